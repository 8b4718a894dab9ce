/**
 * @file oups/oups.h
 * @brief Umbrella header: includes every public module of liboups.
 * Layers (each uses only those before it): util, table, parquet, store, loop, ops.
 */
#ifndef OUPS_OUPS_H
#define OUPS_OUPS_H

#include "oups/util.h"
#include "oups/table.h"
#include "oups/parquet.h"
#include "oups/store.h"
#include "oups/loop.h"
#include "oups/ops.h"

#endif /* OUPS_OUPS_H */
