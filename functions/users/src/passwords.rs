//! Argon2id password hashing (OWASP's parameters: 19 MiB, 2 passes, 1 lane), off the async
//! runtime's threads.

use std::sync::{Mutex, OnceLock, PoisonError};

use argon2::password_hash::{
    Decimal, Ident, Output, ParamsString, PasswordHash, PasswordHasher, PasswordVerifier, Salt,
    SaltString,
};
use argon2::{Algorithm, Argon2, Block, Params, Version};

/// Hashing or verifying could not be done (bad parameters, no randomness, a lost worker
/// thread): ours, never a wrong password.
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(pub String);

impl HashError {
    fn new(cause: impl std::fmt::Display) -> Self {
        Self(cause.to_string())
    }
}

fn params() -> Result<Params, HashError> {
    Params::new(19 * 1024, 2, 1, None).map_err(HashError::new)
}

/// Argon2 whose working memory (19 MiB) is allocated once and reused by every hash.
///
/// The argon2 crate allocates and zero-fills that memory on every hash; glibc keeps the freed
/// block, and a warm sign-in instance grew from 28 MB to 125 MB over 220 sign-ins (`make
/// bench`). Reused, the peak stays at the first hash's and no hash pays for the fill. Safe:
/// Argon2 writes every block before it reads it. A pool, not one buffer, so that hashes on
/// several threads (tests) do not wait for each other; a Lambda instance needs one.
struct ReusingArgon2;

static MEMORY: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

impl PasswordHasher for ReusingArgon2 {
    type Params = Params;

    fn hash_password_customized<'a>(
        &self,
        password: &[u8],
        algorithm: Option<Ident<'a>>,
        version: Option<Decimal>,
        params: Params,
        salt: impl Into<Salt<'a>>,
    ) -> argon2::password_hash::Result<PasswordHash<'a>> {
        let algorithm = algorithm
            .map(Algorithm::try_from)
            .transpose()?
            .unwrap_or_default();
        let version = version
            .map(Version::try_from)
            .transpose()?
            .unwrap_or_default();
        let salt = salt.into();
        let mut salt_bytes = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
        let argon2 = Argon2::new(algorithm, version, params.clone());
        let taken = MEMORY.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let mut memory = taken.unwrap_or_default();
        memory.resize(params.block_count().max(memory.len()), Block::default());
        let output_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
        let output = Output::init_with(output_len, |out| {
            argon2
                .hash_password_into_with_memory(password, salt_bytes, out, &mut memory[..])
                .map_err(Into::into)
        });
        MEMORY
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(memory);
        Ok(PasswordHash {
            algorithm: algorithm.ident(),
            version: Some(version.into()),
            params: ParamsString::try_from(&params)?,
            salt: Some(salt),
            hash: Some(output?),
        })
    }
}

fn hash_now(password: &str) -> Result<String, HashError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(HashError::new)?;
    let salt = SaltString::encode_b64(&salt).map_err(HashError::new)?;
    Ok(ReusingArgon2
        .hash_password_customized(
            password.as_bytes(),
            Some(Algorithm::Argon2id.ident()),
            Some(Version::V0x13.into()),
            params()?,
            &salt,
        )
        .map_err(HashError::new)?
        .to_string())
}

/// The PHC string of `password`'s hash.
pub async fn hash(password: String) -> Result<String, HashError> {
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .map_err(HashError::new)?
}

/// Whether `password` matches `phc`. With no stored hash (unknown email) it still does the
/// same work against a dummy hash, so timing does not tell which emails have accounts.
pub async fn verify(password: String, phc: Option<String>) -> Result<bool, HashError> {
    tokio::task::spawn_blocking(move || {
        let known = phc.is_some();
        let phc = match phc {
            Some(p) => p,
            None => dummy_hash()?.to_owned(),
        };
        let parsed = PasswordHash::new(&phc).map_err(HashError::new)?;
        let matches = ReusingArgon2
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(known && matches)
    })
    .await
    .map_err(HashError::new)?
}

fn dummy_hash() -> Result<&'static str, HashError> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(h) = DUMMY.get() {
        return Ok(h);
    }
    let h = hash_now("not a password anyone has; only here to spend the same time")?;
    Ok(DUMMY.get_or_init(|| h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_password() {
        let h = hash("correct horse battery".into())
            .await
            .unwrap_or_default();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(matches!(
            verify("correct horse battery".into(), Some(h.clone())).await,
            Ok(true)
        ));
        assert!(matches!(
            verify("wrong horse battery".into(), Some(h)).await,
            Ok(false)
        ));
        assert!(matches!(
            verify("anything at all".into(), None).await,
            Ok(false)
        ));
    }

    /// The reused memory changes nothing: the same hash as the argon2 crate's own, each
    /// time, and each verifies the other's.
    #[test]
    fn reused_memory_gives_the_argon2_crates_hashes() {
        let stock = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            params().unwrap_or_else(|e| panic!("{e:?}")),
        );
        let salt = SaltString::encode_b64(b"sixteen byte slt").unwrap_or_else(|e| panic!("{e}"));
        let expected = stock
            .hash_password(b"correct horse battery", &salt)
            .unwrap_or_else(|e| panic!("{e}"))
            .to_string();
        for password in [
            "other password",
            "correct horse battery",
            "correct horse battery",
        ] {
            let ours = ReusingArgon2
                .hash_password_customized(
                    password.as_bytes(),
                    None,
                    None,
                    params().unwrap_or_else(|e| panic!("{e:?}")),
                    &salt,
                )
                .unwrap_or_else(|e| panic!("{e}"))
                .to_string();
            assert_eq!(ours == expected, password == "correct horse battery");
        }
        let parsed = PasswordHash::new(&expected).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            ReusingArgon2
                .verify_password(b"correct horse battery", &parsed)
                .is_ok()
        );
        assert!(
            ReusingArgon2
                .verify_password(b"correct horse batterY", &parsed)
                .is_err()
        );
        let ours = hash_now("correct horse battery").unwrap_or_default();
        let parsed = PasswordHash::new(&ours).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            stock
                .verify_password(b"correct horse battery", &parsed)
                .is_ok()
        );
    }
}
