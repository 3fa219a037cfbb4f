//! Embedded migrations, applied in order inside transactions and recorded with a checksum so a
//! silently edited migration is caught instead of skipped.

use sqlx::{Row, SqlitePool};

use crate::StoreError;

pub const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "tracking", include_str!("../migrations/sqlite/0001_tracking.sql")),
    (2, "incidents", include_str!("../migrations/sqlite/0002_incidents.sql")),
    (3, "analyses", include_str!("../migrations/sqlite/0003_analyses.sql")),
    (4, "automatic sources", include_str!("../migrations/sqlite/0004_automatic_sources.sql")),
    (5, "capture confirmation", include_str!("../migrations/sqlite/0005_capture_confirmation.sql")),
];

pub async fn run(pool: &SqlitePool) -> Result<(), StoreError> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, description TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )
    .execute(pool)
    .await?;
    for (version, description, sql) in SQLITE_MIGRATIONS {
        let checksum = blake3::hash(sql.as_bytes()).to_hex().to_string();
        let applied = sqlx::query("SELECT checksum FROM schema_migrations WHERE version = ?")
            .bind(version)
            .fetch_optional(pool)
            .await?;
        if let Some(row) = applied {
            let stored: String = row.get(0);
            if stored != checksum {
                return Err(StoreError::Migration {
                    version: *version,
                    reason: "already applied with different contents; migrations must never be edited".into(),
                });
            }
            continue;
        }
        let mut tx = pool.begin().await?;
        sqlx::raw_sql(sql)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::Migration { version: *version, reason: e.to_string() })?;
        sqlx::query("INSERT INTO schema_migrations (version, description, checksum, applied_at) VALUES (?, ?, ?, ?)")
            .bind(version)
            .bind(description)
            .bind(&checksum)
            .bind(crate::format_time(chrono::Utc::now()))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(())
}
