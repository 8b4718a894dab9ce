/**
 * @file oups/ops.h
 * @brief Placeholder: the ops module's public API is being written.
 */
#ifndef OUPS_OPS_H
#define OUPS_OPS_H

#include "oups/table.h"

#endif /* OUPS_OPS_H */
