/**
 * @file oups/loop.h
 * @brief Placeholder: the loop module's public API is being written.
 */
#ifndef OUPS_LOOP_H
#define OUPS_LOOP_H

#include "oups/table.h"

#endif /* OUPS_LOOP_H */
