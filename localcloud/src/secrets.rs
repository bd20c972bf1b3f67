//! The local cloud's generated keys (the JWT key pair and the cursor secret: the public
//! values as template parameters, the secrets put into moto's SSM by [`crate::ssm`]), and
//! `localcloud keygen`.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::SigningKey;

const KEYS_FILE: &str = "keys.json";
/// The generated values that are secrets, read by the functions from SSM, not from the template.
const SSM_SECRETS: [&str; 2] = ["JwtSigningKey", "CursorSecret"];

/// Values for `JwtSigningKeyId`, `JwtSigningKey`, `JwtPublicJwks` and `CursorSecret`, by
/// parameter name. Debug is deliberately not derived: these must never reach a log.
#[derive(Clone)]
pub struct LocalSecrets(BTreeMap<String, String>);

fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(buf)
}

impl LocalSecrets {
    pub fn generate() -> Result<Self> {
        let kid_suffix: String = random_bytes::<4>()?
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let kid = format!("local-{kid_suffix}");
        let seed = random_bytes::<32>()?;
        let public = SigningKey::from_bytes(&seed).verifying_key().to_bytes();
        let jwks = serde_json::json!({"keys": [{
            "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig",
            "kid": kid, "x": URL_SAFE_NO_PAD.encode(public),
        }]});
        Ok(LocalSecrets(BTreeMap::from([
            ("JwtSigningKeyId".to_string(), kid),
            ("JwtSigningKey".to_string(), URL_SAFE_NO_PAD.encode(seed)),
            ("JwtPublicJwks".to_string(), jwks.to_string()),
            (
                "CursorSecret".to_string(),
                URL_SAFE_NO_PAD.encode(random_bytes::<32>()?),
            ),
        ])))
    }

    /// Reuses `<state_dir>/keys.json` so tokens survive a restart; creates it (mode 0600) once.
    pub fn load_or_create(state_dir: &Path) -> Result<Self> {
        let path = state_dir.join(KEYS_FILE);
        if path.exists() {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            let values = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a JSON map", path.display()))?;
            return Ok(LocalSecrets(values));
        }
        let secrets = Self::generate()?;
        std::fs::create_dir_all(state_dir)
            .with_context(|| format!("creating {}", state_dir.display()))?;
        write_private(&path, &serde_json::to_string_pretty(&secrets.0)?)?;
        Ok(secrets)
    }

    pub fn parameters(&self) -> &BTreeMap<String, String> {
        &self.0
    }

    /// The public values as `Name='value'` lines for `sam deploy --parameter-overrides`, then
    /// the secrets as `export NAME='value'` lines for `make secrets`, which puts them into
    /// SSM Parameter Store (they are no template parameters: docs/operations.md "Secrets").
    pub fn as_deploy_settings(&self) -> String {
        let quote = |v: &str| format!("'{}'", v.replace('\'', r"'\''"));
        let (secret, public): (Vec<_>, Vec<_>) = self
            .0
            .iter()
            .partition(|(k, _)| SSM_SECRETS.contains(&k.as_str()));
        let mut out = String::from("# sam deploy --parameter-overrides (public values):\n");
        for (k, v) in public {
            out.push_str(&format!("{k}={}\n", quote(v)));
        }
        out.push_str(
            "# secrets: `make secrets STAGE=...` puts these into SSM; keep no other copy:\n",
        );
        if let Some(kid) = self.0.get("JwtSigningKeyId") {
            // The key's parameter is named after its kid.
            out.push_str(&format!("export JWT_SIGNING_KEY_ID={}\n", quote(kid)));
        }
        for (k, v) in secret {
            out.push_str(&format!(
                "export {}={}\n",
                crate::template::upper_snake_case(k),
                quote(v)
            ));
        }
        out
    }
}

fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, Verifier, VerifyingKey};

    #[test]
    fn generated_jwks_verifies_the_generated_key() {
        let s = LocalSecrets::generate().unwrap();
        let p = s.parameters();
        assert!(p["JwtSigningKeyId"].starts_with("local-") && p["JwtSigningKeyId"].len() == 14);
        let seed: [u8; 32] = URL_SAFE_NO_PAD
            .decode(&p["JwtSigningKey"])
            .unwrap()
            .try_into()
            .unwrap();
        let jwks: serde_json::Value = serde_json::from_str(&p["JwtPublicJwks"]).unwrap();
        let key = &jwks["keys"][0];
        assert_eq!(key["kid"], p["JwtSigningKeyId"].as_str());
        let x: [u8; 32] = URL_SAFE_NO_PAD
            .decode(key["x"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let sig = SigningKey::from_bytes(&seed).sign(b"hello");
        VerifyingKey::from_bytes(&x)
            .unwrap()
            .verify(b"hello", &sig)
            .unwrap();
        assert_eq!(
            URL_SAFE_NO_PAD.decode(&p["CursorSecret"]).unwrap().len(),
            32
        );
    }

    #[test]
    fn keys_persist_in_the_state_dir_with_mode_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("lc-keys-{}", ulid::Ulid::new()));
        let first = LocalSecrets::load_or_create(&dir).unwrap();
        let second = LocalSecrets::load_or_create(&dir).unwrap();
        assert_eq!(first.parameters(), second.parameters());
        let mode = std::fs::metadata(dir.join(KEYS_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
