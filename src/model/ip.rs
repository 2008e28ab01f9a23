//! IP addresses and CIDRs as Kubernetes components parse them.
//!
//! kube-proxy and the API server's legacy validation accept IPv4 addresses with leading
//! zeros (`172.30.0.041` is `172.30.0.41`, decimal — Go's old `net.ParseIP`, now
//! `netutils.ParseIPSloppy`); Rust's parser rejects them, so this module parses the
//! Kubernetes way and prints the normalised form.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The two IP families, as Kubernetes names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IpFamily {
    IPv4,
    IPv6,
}

impl IpFamily {
    pub fn of(ip: &IpAddr) -> IpFamily {
        match ip {
            IpAddr::V4(_) => IpFamily::IPv4,
            IpAddr::V6(_) => IpFamily::IPv6,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            IpFamily::IPv4 => "IPv4",
            IpFamily::IPv6 => "IPv6",
        }
    }

    pub fn parse(s: &str) -> Option<IpFamily> {
        match s {
            "IPv4" => Some(IpFamily::IPv4),
            "IPv6" => Some(IpFamily::IPv6),
            _ => None,
        }
    }

    /// The host prefix length: 32 or 128.
    pub fn bits(self) -> u8 {
        match self {
            IpFamily::IPv4 => 32,
            IpFamily::IPv6 => 128,
        }
    }
}

impl fmt::Display for IpFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parses an IP the lenient way (`ParseIPSloppy`): IPv4 parts may have leading zeros,
/// read as decimal. Surrounding blanks are not accepted.
pub fn parse_ip_sloppy(s: &str) -> Option<IpAddr> {
    if s.contains(':') {
        return s
            .parse::<Ipv6Addr>()
            .ok()
            .map(|v6| match v6.to_ipv4_mapped() {
                // Go's ParseIP turns "::ffff:1.2.3.4" into the IPv4 address.
                Some(v4) if s.contains('.') => IpAddr::V4(v4),
                _ => IpAddr::V6(v6),
            });
    }
    let mut octets = [0u8; 4];
    let mut parts = s.split('.');
    for octet in &mut octets {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *octet = part.parse::<u8>().ok()?;
    }
    if parts.next().is_some() {
        return None;
    }
    Some(IpAddr::V4(Ipv4Addr::from(octets)))
}

/// Parses an IP strictly (no leading zeros), as the API server's newer checks do.
pub fn parse_ip_strict(s: &str) -> Option<IpAddr> {
    s.parse::<IpAddr>().ok()
}

/// A CIDR block, normalised to its network address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cidr {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl Cidr {
    /// Parses `a.b.c.d/n` leniently (`ParseCIDRSloppy`) and masks it to the network.
    pub fn parse_sloppy(s: &str) -> Option<Cidr> {
        let (ip, prefix) = s.split_once('/')?;
        let addr = parse_ip_sloppy(ip)?;
        if prefix.is_empty() || prefix.len() > 3 || !prefix.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let prefix: u8 = prefix.parse().ok()?;
        // An IPv4-mapped IPv6 written with a /n counts as IPv6 for the prefix length.
        let family = if ip.contains(':') {
            IpFamily::IPv6
        } else {
            IpFamily::of(&addr)
        };
        if prefix > family.bits() {
            return None;
        }
        let prefix = match (family, addr) {
            (IpFamily::IPv6, IpAddr::V4(_)) => prefix.saturating_sub(96),
            _ => prefix,
        };
        Some(Cidr {
            addr: mask(addr, prefix),
            prefix,
        })
    }

    /// A single address as a host CIDR (/32 or /128).
    pub fn host(addr: IpAddr) -> Cidr {
        Cidr {
            addr,
            prefix: IpFamily::of(&addr).bits(),
        }
    }

    /// The block of every address of a family: `0.0.0.0/0` or `::/0`.
    pub fn zero(family: IpFamily) -> Cidr {
        let addr = match family {
            IpFamily::IPv4 => IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
            IpFamily::IPv6 => IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED),
        };
        Cidr { addr, prefix: 0 }
    }

    pub fn family(&self) -> IpFamily {
        IpFamily::of(&self.addr)
    }

    pub fn contains(&self, ip: &IpAddr) -> bool {
        IpFamily::of(ip) == self.family() && mask(*ip, self.prefix) == self.addr
    }

    /// The number of addresses in the block (saturating for huge IPv6 blocks).
    pub fn size(&self) -> u128 {
        let host_bits = u32::from(self.family().bits() - self.prefix);
        if host_bits >= 128 {
            u128::MAX
        } else {
            1u128 << host_bits
        }
    }

    /// The address at `offset` from the network address, if inside the block.
    pub fn nth(&self, offset: u128) -> Option<IpAddr> {
        if offset >= self.size() {
            return None;
        }
        Some(match self.addr {
            IpAddr::V4(a) => IpAddr::V4(Ipv4Addr::from(u32::from(a).wrapping_add(offset as u32))),
            IpAddr::V6(a) => IpAddr::V6(Ipv6Addr::from(u128::from(a).wrapping_add(offset))),
        })
    }

    /// The offset of `ip` from the network address.
    pub fn offset_of(&self, ip: &IpAddr) -> Option<u128> {
        if !self.contains(ip) {
            return None;
        }
        Some(match (ip, self.addr) {
            (IpAddr::V4(a), IpAddr::V4(n)) => u128::from(u32::from(*a) - u32::from(n)),
            (IpAddr::V6(a), IpAddr::V6(n)) => u128::from(*a) - u128::from(n),
            _ => return None,
        })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// Zeroes the host bits of `ip` beyond `prefix`.
pub fn mask(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(a) => {
            let bits = u32::from(a);
            let m = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(prefix.min(32)))
            };
            IpAddr::V4(Ipv4Addr::from(bits & m))
        }
        IpAddr::V6(a) => {
            let bits = u128::from(a);
            let m = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(prefix.min(128)))
            };
            IpAddr::V6(Ipv6Addr::from(bits & m))
        }
    }
}

/// `ip:port`, with brackets for IPv6 (`[fd00::1]:80`), as Go's `net.JoinHostPort` writes it.
pub fn join_host_port(ip: &IpAddr, port: impl fmt::Display) -> String {
    match ip {
        IpAddr::V4(a) => format!("{a}:{port}"),
        IpAddr::V6(a) => format!("[{a}]:{port}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sloppy_parsing_accepts_leading_zeros_as_decimal() {
        assert_eq!(
            parse_ip_sloppy("172.30.0.041").unwrap().to_string(),
            "172.30.0.41"
        );
        assert_eq!(
            parse_ip_sloppy("010.0.0.1").unwrap().to_string(),
            "10.0.0.1"
        );
        assert!(parse_ip_sloppy("1.2.3").is_none());
        assert!(parse_ip_sloppy(" 1.2.3.4").is_none());
        assert_eq!(
            Cidr::parse_sloppy("203.0.113.000/025").unwrap().to_string(),
            "203.0.113.0/25"
        );
        assert_eq!(
            Cidr::parse_sloppy("10.0.0.5/8").unwrap().to_string(),
            "10.0.0.0/8"
        );
        assert!(Cidr::parse_sloppy("10.0.0.0/33").is_none());
    }

    #[test]
    fn cidr_arithmetic() {
        let c = Cidr::parse_sloppy("10.96.0.0/12").unwrap();
        assert_eq!(c.size(), 1 << 20);
        assert_eq!(c.nth(1).unwrap().to_string(), "10.96.0.1");
        assert!(c.contains(&"10.111.255.255".parse().unwrap()));
        assert!(!c.contains(&"10.112.0.0".parse().unwrap()));
        assert_eq!(c.offset_of(&"10.96.1.0".parse().unwrap()), Some(256));
        let v6 = Cidr::parse_sloppy("fd00:10::/64").unwrap();
        assert!(v6.contains(&"fd00:10::5".parse().unwrap()));
        assert_eq!(
            join_host_port(&"ff06::c1".parse().unwrap(), 80),
            "[ff06::c1]:80"
        );
    }
}
