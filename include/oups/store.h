/**
 * @file oups/store.h
 * @brief Placeholder: the store module's public API is being written.
 */
#ifndef OUPS_STORE_H
#define OUPS_STORE_H

#include "oups/table.h"

#endif /* OUPS_STORE_H */
