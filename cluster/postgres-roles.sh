#!/bin/sh
# docker-compose.yml: the roles and databases `npm run cluster` creates (src/cluster/postgres.ts),
# run once by the postgres image on an empty data folder (/docker-entrypoint-initdb.d).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" <<SQL
CREATE ROLE temporal LOGIN PASSWORD '${TEMPORAL_DB_PASSWORD}';
CREATE DATABASE temporal OWNER temporal;
CREATE DATABASE temporal_visibility OWNER temporal;
CREATE ROLE vnfm LOGIN PASSWORD '${VNFM_DB_PASSWORD}';
CREATE DATABASE vnfm OWNER vnfm;
SQL
