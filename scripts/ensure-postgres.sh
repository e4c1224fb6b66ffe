#!/usr/bin/env bash
# Make sure a PostgreSQL server is running on 127.0.0.1:5432 with the test role and database,
# then print the SQLAlchemy URL for ZI_TEST_DATABASE_URL. Fails loudly when it cannot.
set -euo pipefail
ROLE=${ZI_PG_ROLE:-portal}
DB=${ZI_PG_DATABASE:-portal_test}
HOST=127.0.0.1
PORT=5432

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if ! command -v pg_isready >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: PostgreSQL is not installed and this user cannot install it" >&2; exit 1
  fi
  echo "installing PostgreSQL" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi

if ! pg_isready -q -h "$HOST" -p "$PORT"; then
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$version" ]; then echo "error: no PostgreSQL cluster in /etc/postgresql" >&2; exit 1; fi
  echo "starting PostgreSQL $version" >&2
  pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
  for _ in $(seq 1 60); do pg_isready -q -h "$HOST" -p "$PORT" && break; sleep 0.5; done
fi
if ! pg_isready -q -h "$HOST" -p "$PORT"; then
  echo "error: PostgreSQL is not accepting connections on $HOST:$PORT" >&2; exit 1
fi

as_postgres psql -q -v ON_ERROR_STOP=1 -d postgres <<SQL >&2
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
    CREATE ROLE $ROLE LOGIN PASSWORD '$ROLE';
  END IF;
END \$\$;
SQL
if ! as_postgres psql -tAq -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
  as_postgres psql -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $DB OWNER $ROLE" >&2
fi
echo "postgresql+psycopg://$ROLE:$ROLE@$HOST:$PORT/$DB"
