//! Configuration: defaults, then a TOML file, then `CLAUSEWATCH_*` environment variables, then
//! command-line flags (each later one wins).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use clausewatch_fetch::FetchConfig;

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where the store lives (SQLite file and blob folder).
    pub data_dir: PathBuf,
    /// Folder of platform declarations synced before each track run (skipped if absent).
    pub catalog_dir: PathBuf,
    /// Documents fetched at the same time across all hosts.
    pub concurrency: usize,
    pub fetch: FetchSettings,
    pub serve: ServeSettings,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct FetchSettings {
    pub user_agent: Option<String>,
    pub connect_timeout_secs: f64,
    pub total_timeout_secs: f64,
    pub max_body_mb: f64,
    pub max_redirects: usize,
    pub per_host_concurrency: usize,
    pub per_host_interval_ms: u64,
    pub pace_loopback: bool,
    /// Addresses / CIDR ranges the address guard lets through ("127.0.0.0/8", "10.1.2.3").
    pub allow_hosts: Vec<String>,
    pub respect_robots: bool,
    pub retries: u32,
    pub retry_base_ms: u64,
    pub max_retry_wait_secs: f64,
    /// Headless Chromium for `executeClientScripts` sources (default: `chromium` on PATH).
    pub browser_path: Option<PathBuf>,
    pub browser: bool,
    pub max_browser_tabs: usize,
    pub browser_timeout_secs: f64,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ServeSettings {
    pub listen: String,
    /// Hours between scheduled track runs; 0 turns the schedule off.
    pub schedule_hours: f64,
    /// Load the bundled demo into an empty store.
    pub demo: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("data"),
            catalog_dir: PathBuf::from("catalog"),
            concurrency: 16,
            fetch: FetchSettings::default(),
            serve: ServeSettings::default(),
        }
    }
}

impl Default for FetchSettings {
    fn default() -> Self {
        let d = FetchConfig::default();
        FetchSettings {
            user_agent: None,
            connect_timeout_secs: d.connect_timeout.as_secs_f64(),
            total_timeout_secs: d.total_timeout.as_secs_f64(),
            max_body_mb: d.max_body_bytes as f64 / (1024.0 * 1024.0),
            max_redirects: d.max_redirects,
            per_host_concurrency: d.per_host_concurrency,
            per_host_interval_ms: d.per_host_interval.as_millis() as u64,
            pace_loopback: d.pace_loopback,
            allow_hosts: Vec::new(),
            respect_robots: d.respect_robots,
            retries: d.retries,
            retry_base_ms: d.retry_base.as_millis() as u64,
            max_retry_wait_secs: d.max_retry_wait.as_secs_f64(),
            browser_path: None,
            browser: d.use_browser,
            max_browser_tabs: d.max_browser_tabs,
            browser_timeout_secs: d.browser_timeout.as_secs_f64(),
        }
    }
}

impl Default for ServeSettings {
    fn default() -> Self {
        ServeSettings { listen: "127.0.0.1:8080".into(), schedule_hours: 12.0, demo: true }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("environment variable {name}={value:?}: {reason}")]
    Env { name: String, value: String, reason: String },
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
}

impl Config {
    /// Defaults, then the file (if given or `clausewatch.toml` exists), then the environment.
    pub fn load(file: Option<&Path>, env: &[(String, String)]) -> Result<Config, ConfigError> {
        let implicit = PathBuf::from("clausewatch.toml");
        let path = match file {
            Some(p) => Some(p.to_path_buf()),
            None if implicit.exists() => Some(implicit),
            None => None,
        };
        let mut config = match &path {
            Some(path) => {
                let meta = std::fs::metadata(path).map_err(|e| ConfigError::Read { path: path.clone(), source: e })?;
                if meta.len() > 1024 * 1024 {
                    return Err(ConfigError::Parse { path: path.clone(), message: "larger than 1 MiB".into() });
                }
                let text =
                    std::fs::read_to_string(path).map_err(|e| ConfigError::Read { path: path.clone(), source: e })?;
                toml::from_str(&text).map_err(|e| ConfigError::Parse { path: path.clone(), message: e.to_string() })?
            }
            None => Config::default(),
        };
        config.apply_env(env)?;
        config.validate()?;
        Ok(config)
    }

    fn apply_env(&mut self, env: &[(String, String)]) -> Result<(), ConfigError> {
        for (name, value) in env {
            let Some(key) = name.strip_prefix("CLAUSEWATCH_") else {
                continue;
            };
            let bad =
                |reason: &str| ConfigError::Env { name: name.clone(), value: value.clone(), reason: reason.into() };
            let num = |v: &str| v.trim().parse::<f64>().map_err(|_| bad("expected a number"));
            let int = |v: &str| v.trim().parse::<usize>().map_err(|_| bad("expected a whole number"));
            let boolean = |v: &str| match v.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => Ok(true),
                "0" | "false" | "no" | "off" => Ok(false),
                _ => Err(bad("expected true or false")),
            };
            match key {
                "DATA_DIR" => self.data_dir = PathBuf::from(value),
                "CATALOG_DIR" => self.catalog_dir = PathBuf::from(value),
                "CONCURRENCY" => self.concurrency = int(value)?,
                "USER_AGENT" => self.fetch.user_agent = Some(value.clone()),
                "CONNECT_TIMEOUT_SECS" => self.fetch.connect_timeout_secs = num(value)?,
                "TOTAL_TIMEOUT_SECS" => self.fetch.total_timeout_secs = num(value)?,
                "MAX_BODY_MB" => self.fetch.max_body_mb = num(value)?,
                "MAX_REDIRECTS" => self.fetch.max_redirects = int(value)?,
                "PER_HOST_CONCURRENCY" => self.fetch.per_host_concurrency = int(value)?,
                "PER_HOST_INTERVAL_MS" => self.fetch.per_host_interval_ms = int(value)? as u64,
                "PACE_LOOPBACK" => self.fetch.pace_loopback = boolean(value)?,
                "BROWSER" => self.fetch.browser = boolean(value)?,
                "BROWSER_PATH" => self.fetch.browser_path = Some(PathBuf::from(value)),
                "BROWSER_TIMEOUT_SECS" => self.fetch.browser_timeout_secs = num(value)?,
                "MAX_BROWSER_TABS" => self.fetch.max_browser_tabs = int(value)?.clamp(1, 16),
                "RESPECT_ROBOTS" => self.fetch.respect_robots = boolean(value)?,
                "RETRIES" => self.fetch.retries = int(value)?.min(10) as u32,
                "RETRY_BASE_MS" => self.fetch.retry_base_ms = int(value)? as u64,
                "MAX_RETRY_WAIT_SECS" => self.fetch.max_retry_wait_secs = num(value)?,
                "ALLOW_HOSTS" => {
                    clausewatch_fetch::guard::parse_allow_list(value).map_err(|e| bad(&e))?;
                    self.fetch.allow_hosts = value
                        .split([',', ' '])
                        .filter(|p| !p.trim().is_empty())
                        .map(|p| p.trim().to_string())
                        .collect();
                }
                "LISTEN" => self.serve.listen = value.clone(),
                "SCHEDULE_HOURS" => self.serve.schedule_hours = num(value)?,
                "DEMO" => self.serve.demo = boolean(value)?,
                // Read elsewhere (config file path, log filter) or by later features.
                _ => {}
            }
        }
        Ok(())
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let positive = |field: &'static str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(ConfigError::Invalid { field, reason: format!("must be a positive number, not {v}") })
            }
        };
        positive("fetch.connect_timeout_secs", self.fetch.connect_timeout_secs)?;
        positive("fetch.total_timeout_secs", self.fetch.total_timeout_secs)?;
        positive("fetch.max_body_mb", self.fetch.max_body_mb)?;
        positive("fetch.max_retry_wait_secs", self.fetch.max_retry_wait_secs)?;
        positive("fetch.browser_timeout_secs", self.fetch.browser_timeout_secs)?;
        if !(self.serve.schedule_hours.is_finite() && self.serve.schedule_hours >= 0.0) {
            return Err(ConfigError::Invalid {
                field: "serve.schedule_hours",
                reason: "must be 0 (off) or positive".into(),
            });
        }
        if self.concurrency == 0 || self.concurrency > 1024 {
            return Err(ConfigError::Invalid { field: "concurrency", reason: "must be between 1 and 1024".into() });
        }
        if self.fetch.per_host_concurrency == 0 {
            return Err(ConfigError::Invalid {
                field: "fetch.per_host_concurrency",
                reason: "must be at least 1".into(),
            });
        }
        for entry in &self.fetch.allow_hosts {
            clausewatch_fetch::guard::IpRange::parse(entry)
                .map_err(|reason| ConfigError::Invalid { field: "fetch.allow_hosts", reason })?;
        }
        if self.fetch.max_redirects > 50 {
            return Err(ConfigError::Invalid { field: "fetch.max_redirects", reason: "must be at most 50".into() });
        }
        Ok(())
    }

    pub fn fetch_config(&self) -> FetchConfig {
        let d = FetchConfig::default();
        FetchConfig {
            user_agent: self.fetch.user_agent.clone().unwrap_or(d.user_agent),
            connect_timeout: Duration::from_secs_f64(self.fetch.connect_timeout_secs),
            total_timeout: Duration::from_secs_f64(self.fetch.total_timeout_secs),
            max_body_bytes: (self.fetch.max_body_mb * 1024.0 * 1024.0) as u64,
            max_redirects: self.fetch.max_redirects,
            per_host_concurrency: self.fetch.per_host_concurrency,
            per_host_interval: Duration::from_millis(self.fetch.per_host_interval_ms),
            pace_loopback: self.fetch.pace_loopback,
            // Validated by `validate`; an entry that still fails to parse allows nothing.
            allow_hosts: self
                .fetch
                .allow_hosts
                .iter()
                .filter_map(|e| clausewatch_fetch::guard::IpRange::parse(e).ok())
                .collect(),
            respect_robots: self.fetch.respect_robots,
            retries: self.fetch.retries.min(10),
            retry_base: Duration::from_millis(self.fetch.retry_base_ms),
            max_retry_wait: Duration::from_secs_f64(self.fetch.max_retry_wait_secs),
            browser_path: self.fetch.browser_path.clone(),
            use_browser: self.fetch.browser,
            max_browser_tabs: self.fetch.max_browser_tabs.clamp(1, 16),
            browser_timeout: Duration::from_secs_f64(self.fetch.browser_timeout_secs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn file_then_env() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "data_dir = \"/srv/cw\"\nconcurrency = 4\n[fetch]\ntotal_timeout_secs = 5\n").unwrap();
        let c = Config::load(Some(&path), &env(&[("CLAUSEWATCH_CONCURRENCY", "8")])).unwrap();
        assert_eq!(c.data_dir, PathBuf::from("/srv/cw"));
        assert_eq!(c.concurrency, 8);
        assert_eq!(c.fetch_config().total_timeout, Duration::from_secs(5));
    }

    #[test]
    fn errors_name_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "data_dirr = 1\n").unwrap();
        let e = Config::load(Some(&path), &[]).unwrap_err().to_string();
        assert!(e.contains("data_dirr"), "{e}");
        let e = Config::load(None, &env(&[("CLAUSEWATCH_CONCURRENCY", "many")])).unwrap_err().to_string();
        assert!(e.contains("CLAUSEWATCH_CONCURRENCY"), "{e}");
        let e = Config::load(None, &env(&[("CLAUSEWATCH_TOTAL_TIMEOUT_SECS", "-1")])).unwrap_err().to_string();
        assert!(e.contains("total_timeout_secs"), "{e}");
        let e =
            Config::load(None, &env(&[("CLAUSEWATCH_ALLOW_HOSTS", "127.0.0.0/8,intranet")])).unwrap_err().to_string();
        assert!(e.contains("CLAUSEWATCH_ALLOW_HOSTS") && e.contains("intranet"), "{e}");
        let c = Config::load(None, &env(&[("CLAUSEWATCH_ALLOW_HOSTS", "127.0.0.0/8, ::1")])).unwrap();
        assert_eq!(c.fetch_config().allow_hosts.len(), 2);
    }
}
