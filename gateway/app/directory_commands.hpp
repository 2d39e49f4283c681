#pragma once
// `ventanilla directory search QUERY...` and `ventanilla directory nearest (--place QUERY | --lat X
// --lon Y)`: the place search and nearest-hub lookups the USSD menus use, from the command line,
// over the directory stored in the database (after `ventanilla import`).
//
// search   QUERY (several words may follow `search` unquoted) [--country CC] [--admin1 CODE]
//          [--limit N] [--json]
// nearest  --place QUERY | --lat X --lon Y, [--country CC] [--service CODE] [--limit N] [--json]
//          --country filters the HUBS. --place is looked up in --country first and, when that
//          finds nothing as good, in all six countries, so `--place Tapachula --country GT` gives
//          the Guatemalan hubs nearest to Tapachula (MX). --admin1 narrows the --place lookup.
//
// Output: a table for people, or with --json one JSON array on stdout: places with name, label,
// admin1 (display name), admin1_code, admin2, country, lat, lon, population, feature_code, score,
// kind, matched, id; hubs with id, name, type, country, admin1, municipality, distance_km,
// services, approximate, stale, related, address, phone, hours, source_date, source_url, lat,
// lon. Exit: 0 with results; 1 when nothing matches, or the database is missing or empty
// (message on stderr); 2 for bad usage or configuration.
//
// Thread: main thread (opens its own read-only connection).

#include "app/command_line.hpp"

namespace ventanilla::app {

int run_directory(const CommandLine& command_line);

}  // namespace ventanilla::app
