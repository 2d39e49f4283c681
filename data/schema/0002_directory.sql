-- Hub directory and gazetteer: what `ventanilla import` loads from data/*.csv (data/README.md
-- documents every column). After the first import the database is the source of truth and
-- `ventanilla export` writes the files back from these tables.
--
-- Every table keeps `seq`, the row's position in its file, so export writes rows in the order they
-- were read. Values that the files repeat from another file are not stored twice: a place's admin1
-- and admin2 names come from admin1/admin2, its geonameid is its id unless the id starts with
-- "cj-", and a hub's services line is its hub_services rows in `position` order.
-- meta.directory_version (an integer as text) grows by one with every import that changed
-- anything, so a running server can notice and reload.

CREATE TABLE countries (
  iso2          TEXT PRIMARY KEY NOT NULL,
  seq           INTEGER NOT NULL,
  name_es       TEXT NOT NULL,
  name_en       TEXT NOT NULL,
  calling_code  TEXT NOT NULL,
  mcc           TEXT NOT NULL,
  min_lat       REAL NOT NULL,
  max_lat       REAL NOT NULL,
  min_lon       REAL NOT NULL,
  max_lon       REAL NOT NULL
) STRICT;

CREATE TABLE admin1 (
  country       TEXT NOT NULL REFERENCES countries(iso2),
  code          TEXT NOT NULL,
  seq           INTEGER NOT NULL,
  name          TEXT NOT NULL,  -- GeoNames form ("Yoro Department")
  display_name  TEXT NOT NULL,  -- from the aliases row with display = 1, else name
  PRIMARY KEY (country, code)
) STRICT;

CREATE TABLE admin2 (
  country       TEXT NOT NULL,
  admin1_code   TEXT NOT NULL,
  code          TEXT NOT NULL,
  seq           INTEGER NOT NULL,
  name          TEXT NOT NULL,
  PRIMARY KEY (country, admin1_code, code),
  FOREIGN KEY (country, admin1_code) REFERENCES admin1(country, code)
) STRICT;

CREATE TABLE services (
  code          TEXT PRIMARY KEY NOT NULL,
  seq           INTEGER NOT NULL,
  label_en      TEXT NOT NULL,
  label_es      TEXT NOT NULL
) STRICT;

CREATE TABLE places (
  id            TEXT PRIMARY KEY NOT NULL,  -- GeoNames id, or "cj-…" (see data/README.md)
  seq           INTEGER NOT NULL,
  country       TEXT NOT NULL,
  admin1_code   TEXT NOT NULL,
  admin2_code   TEXT NOT NULL,  -- '' when none; not a foreign key: GeoNames uses a few codes
                                -- its admin2 list lacks
  name          TEXT NOT NULL,
  ascii_name    TEXT NOT NULL,
  lat           REAL NOT NULL,
  lon           REAL NOT NULL,
  population    INTEGER,        -- NULL when unknown
  feature_code  TEXT NOT NULL,
  alt_names     TEXT NOT NULL,  -- '|'-separated, as in places.csv
  source        TEXT NOT NULL,
  FOREIGN KEY (country, admin1_code) REFERENCES admin1(country, code)
) STRICT;
CREATE INDEX places_by_admin1 ON places(country, admin1_code);

-- A name people use for a place or an admin1 area; exactly one of place_id / admin1_code is set.
CREATE TABLE aliases (
  country       TEXT NOT NULL REFERENCES countries(iso2),
  kind          TEXT NOT NULL CHECK (kind IN ('place', 'admin1')),
  alias         TEXT NOT NULL,
  seq           INTEGER NOT NULL,
  place_id      TEXT REFERENCES places(id),
  admin1_code   TEXT,
  display       INTEGER NOT NULL CHECK (display IN (0, 1)),
  PRIMARY KEY (country, kind, alias),
  FOREIGN KEY (country, admin1_code) REFERENCES admin1(country, code),
  CHECK ((kind = 'place') = (place_id IS NOT NULL)),
  CHECK ((kind = 'admin1') = (admin1_code IS NOT NULL)),
  CHECK (display = 0 OR kind = 'admin1')
) STRICT;
CREATE INDEX aliases_by_place ON aliases(place_id) WHERE place_id IS NOT NULL;

CREATE TABLE hubs (
  id            TEXT PRIMARY KEY NOT NULL,
  seq           INTEGER NOT NULL,
  country       TEXT NOT NULL,
  hub_type      TEXT NOT NULL,
  name          TEXT NOT NULL,
  admin1        TEXT NOT NULL,  -- local name as the source writes it
  municipality  TEXT NOT NULL,
  address       TEXT NOT NULL,
  phone         TEXT NOT NULL,
  hours         TEXT NOT NULL,
  operator      TEXT NOT NULL,
  lat           REAL NOT NULL,
  lon           REAL NOT NULL,
  source_url    TEXT NOT NULL,
  confidence    TEXT NOT NULL CHECK (confidence IN ('confirmed', 'approximate')),
  admin1_code   TEXT NOT NULL,
  source_date   TEXT NOT NULL,  -- YYYY-MM-DD, YYYY-MM, YYYY or ''
  notes         TEXT NOT NULL,
  FOREIGN KEY (country, admin1_code) REFERENCES admin1(country, code)
) STRICT;

CREATE TABLE hub_services (
  hub_id        TEXT NOT NULL REFERENCES hubs(id),
  service_code  TEXT NOT NULL REFERENCES services(code),
  position      INTEGER NOT NULL,  -- order within the hub's services line
  PRIMARY KEY (hub_id, service_code)
) STRICT, WITHOUT ROWID;
CREATE INDEX hub_services_by_service ON hub_services(service_code);

-- Provenance: the page each hub field was read in (data/hub_facts.csv).
CREATE TABLE hub_facts (
  hub_id        TEXT NOT NULL REFERENCES hubs(id),
  field         TEXT NOT NULL,
  source_url    TEXT NOT NULL,
  seq           INTEGER NOT NULL,
  value         TEXT NOT NULL,
  source_date   TEXT NOT NULL,
  PRIMARY KEY (hub_id, field, source_url)
) STRICT;
