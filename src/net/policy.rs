//! Which host addresses a guest may never reach, and how guests may spell addresses.
//!
//! The rule is applied to the addresses a name *resolves to*, on the host, right before the
//! connection is made with exactly that address, so a name that resolves to a private address
//! (DNS rebinding included) is refused like the address itself.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is refused: the name of the range it falls in, or `None` when it is public.
pub fn blocked_range(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => blocked_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return blocked_v4(v4).map(|_| "IPv4-mapped private address (::ffff:0:0/96)");
            }
            let seg = v6.segments();
            if v6.is_loopback() {
                Some("loopback (::1)")
            } else if v6.is_unspecified() {
                Some("unspecified (::)")
            } else if seg[0] & 0xfe00 == 0xfc00 {
                Some("unique local (fc00::/7)")
            } else if seg[0] & 0xffc0 == 0xfe80 {
                Some("link-local (fe80::/10)")
            } else if seg[0] & 0xffc0 == 0xfec0 {
                Some("site-local (fec0::/10)")
            } else if seg[0] == 0x2001 && seg[1] == 0 {
                Some("Teredo (2001::/32)")
            } else if seg[0] == 0x2001 && seg[1] == 0x0db8 {
                Some("documentation (2001:db8::/32)")
            } else if seg[0] & 0xff00 == 0xff00 {
                Some("multicast (ff00::/8)")
            } else if seg[0..6] == [0, 0, 0, 0, 0, 0] {
                // IPv4-compatible (deprecated) addresses: ::a.b.c.d
                Some("IPv4-compatible address (::/96)")
            } else if seg[0] == 0x64 && seg[1] == 0xff9b {
                // NAT64 embeds an IPv4 address: judge that one.
                let v4 = Ipv4Addr::new(
                    (seg[6] >> 8) as u8,
                    seg[6] as u8,
                    (seg[7] >> 8) as u8,
                    seg[7] as u8,
                );
                blocked_v4(v4).map(|_| "NAT64 of a private address (64:ff9b::/96)")
            } else if seg[0] == 0x2002 {
                // 6to4 embeds an IPv4 address in the next 32 bits.
                let v4 = Ipv4Addr::new(
                    (seg[1] >> 8) as u8,
                    seg[1] as u8,
                    (seg[2] >> 8) as u8,
                    seg[2] as u8,
                );
                blocked_v4(v4).map(|_| "6to4 of a private address (2002::/16)")
            } else if v6 == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) {
                Some("cloud metadata (fd00:ec2::254)")
            } else {
                None
            }
        }
    }
}

fn blocked_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let o = ip.octets();
    Some(match o {
        [0, ..] => "this network (0.0.0.0/8)",
        [10, ..] => "private (10.0.0.0/8)",
        [100, b, ..] if (64..128).contains(&b) => "carrier-grade NAT (100.64.0.0/10)",
        [127, ..] => "loopback (127.0.0.0/8)",
        [169, 254, 169, 254] => "cloud metadata (169.254.169.254)",
        [169, 254, ..] => "link-local (169.254.0.0/16)",
        [172, b, ..] if (16..32).contains(&b) => "private (172.16.0.0/12)",
        [192, 0, 0, _] => "IETF protocol assignments (192.0.0.0/24)",
        [192, 0, 2, _] | [198, 51, 100, _] | [203, 0, 113, _] => "documentation (TEST-NET)",
        [192, 88, 99, _] => "6to4 relay anycast (192.88.99.0/24)",
        [192, 168, ..] => "private (192.168.0.0/16)",
        [198, b, ..] if b == 18 || b == 19 => "benchmarking (198.18.0.0/15)",
        [a, ..] if (224..240).contains(&a) => "multicast (224.0.0.0/4)",
        [a, ..] if a >= 240 => "reserved (240.0.0.0/4)",
        _ => return None,
    })
}

/// Parse `host` as an IP address the way `inet_aton` (and so `curl`, browsers and many HTTP
/// clients) do: dotted forms with one to four parts, each decimal, octal (`0177`) or hex
/// (`0x7f`), so `2130706433`, `0x7f000001`, `0177.0.0.1` and `127.1` are all 127.0.0.1; and
/// IPv6 with or without brackets. `None` for names.
pub fn parse_ip(host: &str) -> Option<IpAddr> {
    let h = host.trim_end_matches('.');
    let h = h
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .unwrap_or(h);
    if let Ok(ip) = h.parse::<IpAddr>() {
        return Some(ip);
    }
    // Zone ids (`fe80::1%eth0`) name the same address.
    if let Some((addr, _zone)) = h.split_once('%') {
        if let Ok(ip) = addr.parse::<Ipv6Addr>() {
            return Some(IpAddr::V6(ip));
        }
    }
    inet_aton(h).map(IpAddr::V4)
}

fn inet_part(s: &str) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    let (digits, radix) = if let Some(x) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        (x, 16)
    } else if s.len() > 1 && s.starts_with('0') {
        (&s[1..], 8)
    } else {
        (s, 10)
    };
    if digits.is_empty() {
        return (radix == 16).then_some(0);
    }
    u32::from_str_radix(digits, radix).ok()
}

fn inet_aton(s: &str) -> Option<Ipv4Addr> {
    let parts: Vec<u32> = s.split('.').map(inet_part).collect::<Option<_>>()?;
    let n = match parts.as_slice() {
        [a] => *a,
        [a, b] if *a < 256 && *b < (1 << 24) => (a << 24) | b,
        [a, b, c] if *a < 256 && *b < 256 && *c < (1 << 16) => (a << 24) | (b << 16) | c,
        [a, b, c, d] if [a, b, c, d].iter().all(|x| **x < 256) => {
            (a << 24) | (b << 16) | (c << 8) | d
        }
        _ => return None,
    };
    Some(Ipv4Addr::from(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocked(s: &str) -> bool {
        blocked_range(parse_ip(s).unwrap()).is_some()
    }

    #[test]
    fn spellings_of_loopback_all_parse_to_it() {
        for s in [
            "127.0.0.1",
            "2130706433",
            "0x7f000001",
            "0177.0.0.1",
            "127.1",
            "0x7f.1",
            "[::ffff:127.0.0.1]",
            "::ffff:7f00:1",
        ] {
            let ip = parse_ip(s).unwrap();
            assert!(blocked_range(ip).is_some(), "{s} -> {ip}");
        }
        assert_eq!(parse_ip("127.1"), Some("127.0.0.1".parse().unwrap()));
        assert_eq!(parse_ip("example.com"), None);
        assert_eq!(parse_ip("1.2.3.4.5"), None);
        assert_eq!(parse_ip("256.1.1.1"), None);
    }

    #[test]
    fn private_special_and_metadata_ranges_are_blocked() {
        for s in [
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "169.254.1.1",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "ff02::1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "2002:7f00:1::",
            "fd00:ec2::254",
            "[::ffff:169.254.169.254]",
            "fec0::1",
            "2001::1",
            "2001:db8::1",
            "192.0.2.1",
            "192.88.99.1",
        ] {
            assert!(blocked(s), "{s} should be blocked");
        }
        for s in [
            "1.1.1.1",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
        ] {
            assert!(!blocked(s), "{s} should be allowed");
        }
    }
}
