"""The encrypted local store: SQLCipher, keys, migrations, backups. The only SQL of Himaya."""
