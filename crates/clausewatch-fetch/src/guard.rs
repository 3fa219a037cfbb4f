//! The address guard (SSRF): by default never connect to private, loopback, link-local,
//! unique-local, shared (CGNAT), multicast, unspecified or cloud-metadata addresses. It is
//! checked on the resolved addresses of every connection (so on every redirect hop as well),
//! and on IP-literal URLs before the request. An explicit allow-list of addresses and CIDR
//! ranges (`fetch.allow_hosts`, `CLAUSEWATCH_ALLOW_HOSTS=127.0.0.0/8`) lets tests and private
//! deployments through.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

/// An address range: `10.0.0.0/8`, `::1/128`, or one address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpRange {
    base: IpAddr,
    prefix: u8,
}

impl IpRange {
    pub fn parse(s: &str) -> Result<IpRange, String> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let base: IpAddr = addr.parse().map_err(|_| format!("{s:?} is not an IP address or CIDR range"))?;
        let max = if base.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => {
                p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| format!("{s:?}: prefix must be 0..={max}"))?
            }
            None => max,
        };
        Ok(IpRange { base, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.base, ip) {
            (IpAddr::V4(b), IpAddr::V4(i)) => {
                let mask = if self.prefix == 0 { 0 } else { u32::MAX << (32 - self.prefix) };
                u32::from(b) & mask == u32::from(i) & mask
            }
            (IpAddr::V6(b), IpAddr::V6(i)) => {
                let mask = if self.prefix == 0 { 0 } else { u128::MAX << (128 - self.prefix) };
                u128::from(b) & mask == u128::from(i) & mask
            }
            _ => false,
        }
    }
}

impl std::fmt::Display for IpRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.base, self.prefix)
    }
}

/// Parse a comma- or space-separated allow-list.
pub fn parse_allow_list(s: &str) -> Result<Vec<IpRange>, String> {
    s.split([',', ' ']).filter(|p| !p.trim().is_empty()).map(IpRange::parse).collect()
}

/// Why an address may not be fetched, or None when it may.
pub fn refusal(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => refusal_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return refusal_v4(v4);
            }
            let seg = v6.segments();
            if v6.is_loopback() {
                Some("loopback")
            } else if v6.is_unspecified() {
                Some("unspecified")
            } else if seg[0] & 0xffc0 == 0xfe80 {
                Some("link-local")
            } else if seg[0] & 0xfe00 == 0xfc00 {
                // fd00:ec2::254 (AWS metadata over IPv6) is in here too.
                Some("unique-local")
            } else if seg[0] & 0xff00 == 0xff00 {
                Some("multicast")
            } else if seg[0] == 0x64 && seg[1] == 0xff9b {
                // NAT64: the embedded IPv4 address decides.
                let v4 = Ipv4Addr::new((seg[6] >> 8) as u8, seg[6] as u8, (seg[7] >> 8) as u8, seg[7] as u8);
                refusal_v4(v4)
            } else {
                None
            }
        }
    }
}

fn refusal_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let o = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private")
    } else if ip == Ipv4Addr::new(169, 254, 169, 254) || ip == Ipv4Addr::new(100, 100, 100, 200) {
        Some("cloud metadata")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if o[0] == 100 && (o[1] & 0xc0) == 64 {
        Some("shared address space (CGNAT)")
    } else if ip.is_unspecified() || o[0] == 0 {
        Some("unspecified")
    } else if ip.is_multicast() || ip.is_broadcast() || o[0] >= 240 {
        Some("multicast or reserved")
    } else if o[0] == 192 && o[1] == 0 && o[2] == 0 {
        Some("IETF protocol assignments")
    } else {
        None
    }
}

/// The guard with its allow-list.
#[derive(Clone, Debug, Default)]
pub struct AddressGuard {
    pub allow: Vec<IpRange>,
}

impl AddressGuard {
    /// Ok when `ip` may be fetched; else the reason.
    pub fn check(&self, ip: IpAddr) -> Result<(), String> {
        if self.allow.iter().any(|r| r.contains(ip)) {
            return Ok(());
        }
        match refusal(ip) {
            None => Ok(()),
            Some(why) => Err(format!(
                "{BLOCKED_MARK}: {ip} is a {why} address; add it to fetch.allow_hosts (CLAUSEWATCH_ALLOW_HOSTS) to allow it"
            )),
        }
    }
}

/// Marks errors raised by the guard, so they survive reqwest's error wrapping.
pub const BLOCKED_MARK: &str = "address refused by the guard";

/// A DNS resolver that drops refused addresses (and fails when none is left).
pub struct GuardedResolver {
    pub guard: Arc<AddressGuard>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let guard = self.guard.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut reasons = Vec::new();
            let allowed: Vec<SocketAddr> = addrs
                .into_iter()
                .filter(|a| match guard.check(a.ip()) {
                    Ok(()) => true,
                    Err(why) => {
                        reasons.push(why);
                        false
                    }
                })
                .collect();
            if allowed.is_empty() {
                let why = reasons.into_iter().next().unwrap_or_else(|| format!("no address for {host}"));
                return Err(format!("{host}: {why}").into());
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn refuses_internal_addresses() {
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "169.254.1.1",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:127.0.0.1",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(refusal(ip(internal)).is_some(), "{internal}");
        }
        for public in ["93.184.216.34", "1.1.1.1", "2606:4700::1111"] {
            assert_eq!(refusal(ip(public)), None, "{public}");
        }
    }

    #[test]
    fn allow_list_ranges() {
        let guard = AddressGuard { allow: parse_allow_list("127.0.0.0/8, ::1").unwrap() };
        assert!(guard.check(ip("127.0.0.5")).is_ok());
        assert!(guard.check(ip("::1")).is_ok());
        assert!(guard.check(ip("10.0.0.1")).unwrap_err().contains("private"));
        assert!(parse_allow_list("127.0.0.0/33").is_err());
        assert!(parse_allow_list("example.com").is_err());
        assert!(IpRange::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
    }
}
