//! Digests and HMACs for guest `crypto.createHash`/`createHmac`.

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

fn hash<D: Digest>(key: Option<&[u8]>, data: &[u8], block: usize) -> Vec<u8> {
    let Some(key) = key else {
        return D::digest(data).to_vec();
    };
    // HMAC (RFC 2104).
    let mut k = if key.len() > block {
        D::digest(key).to_vec()
    } else {
        key.to_vec()
    };
    k.resize(block, 0);
    let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    let mut inner = D::new();
    inner.update(&ipad);
    inner.update(data);
    let mut outer = D::new();
    outer.update(&opad);
    outer.update(inner.finalize());
    outer.finalize().to_vec()
}

/// The digest of `data` by algorithm `alg` (Node's names), keyed when `key` is set.
pub fn digest(alg: &str, key: Option<&[u8]>, data: &[u8]) -> Option<Vec<u8>> {
    Some(match alg.to_ascii_lowercase().replace('-', "").as_str() {
        "md5" => hash::<Md5>(key, data, 64),
        "sha1" => hash::<Sha1>(key, data, 64),
        "sha224" => hash::<Sha224>(key, data, 64),
        "sha256" => hash::<Sha256>(key, data, 64),
        "sha384" => hash::<Sha384>(key, data, 128),
        "sha512" => hash::<Sha512>(key, data, 128),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn known_vectors() {
        assert_eq!(
            hex(&super::digest("sha256", None, b"abc").unwrap_or_default()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        // RFC 4231 test case 2.
        assert_eq!(
            hex(
                &super::digest("sha256", Some(b"Jefe"), b"what do ya want for nothing?")
                    .unwrap_or_default()
            ),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(super::digest("whirlpool", None, b"").is_none());
    }
}
