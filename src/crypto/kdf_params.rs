//! [`KdfParams`]: Argon2id's cost as stored in a header, and the policy on it — the default
//! (RFC 9106's second recommendation), the caps every header is checked against before any
//! derivation, and the floor a new passphrase slot must meet.
//!
//! Separate from the primitives (`mod.rs`): these are numbers and rules, public API, and
//! testable without running Argon2.

use crate::error::Error;

/// Argon2id cost parameters, stored in the vault header.
///
/// The default is RFC 9106's second recommended option (64 MiB, 3 passes, 4 lanes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB (Argon2's `m`).
    pub memory_kib: u32,
    /// Number of passes (Argon2's `t`).
    pub iterations: u32,
    /// Number of lanes (Argon2's `p`).
    pub parallelism: u32,
}

impl Default for KdfParams {
    fn default() -> Self {
        KdfParams {
            memory_kib: 64 * 1024,
            iterations: 3,
            parallelism: 4,
        }
    }
}

impl KdfParams {
    /// The most memory a vault may ask for: 1 GiB. Checked before Argon2 runs (FORMAT.md §Header),
    /// so a tampered header cannot make `open` allocate gigabytes.
    pub const MAX_MEMORY_KIB: u32 = 1024 * 1024;
    /// The most passes a vault may ask for.
    pub const MAX_ITERATIONS: u32 = 16;
    /// The most lanes a vault may ask for.
    pub const MAX_PARALLELISM: u32 = 16;
    /// The most total work (`memory_kib × iterations`) a vault may ask for: 1 GiB × 4 passes.
    /// Bounds the time a tampered header can make `open` take to seconds, not minutes.
    pub const MAX_WORK: u64 = 4 * 1024 * 1024;

    /// The least memory a new passphrase key may use without an explicit opt-in: 64 MiB, the
    /// memory of RFC 9106 §4's second recommended option (see [`KdfParams::meets_floor`]).
    pub const FLOOR_MEMORY_KIB: u32 = 64 * 1024;
    /// The least total work (`memory_kib × iterations`) a new passphrase key may use without an
    /// explicit opt-in: 64 MiB × 3 passes, the work of RFC 9106 §4's second recommended option.
    pub const FLOOR_WORK: u64 = 64 * 1024 * 3;

    /// Tiny parameters for tests and fuzzing (8 KiB, 1 pass, 1 lane), far below the floor: a
    /// vault is created (or a passphrase changed) with them only through the explicit opt-in,
    /// [`OpenOptions::insecure_kdf`](crate::OpenOptions::insecure_kdf) (which
    /// [`OpenOptions::insecure_for_tests`](crate::OpenOptions::insecure_for_tests) sets). Never
    /// protect real secrets with them.
    pub const fn insecure_for_tests() -> Self {
        KdfParams {
            memory_kib: 8,
            iterations: 1,
            parallelism: 1,
        }
    }

    /// The Argon2 work these parameters ask for, `memory_kib × iterations` in KiB-passes: what
    /// the caps, the floor and the total of a header's passphrase slots are measured in.
    pub fn work(&self) -> u64 {
        u64::from(self.memory_kib) * u64::from(self.iterations)
    }

    /// Whether these parameters cost at least RFC 9106 §4's second recommended option
    /// (Argon2id, 64 MiB, t = 3, p = 4), the floor for a new passphrase key.
    ///
    /// "At least" means: memory of at least [`FLOOR_MEMORY_KIB`](Self::FLOOR_MEMORY_KIB) (64 MiB),
    /// and total work `memory_kib × iterations` of at least [`FLOOR_WORK`](Self::FLOOR_WORK)
    /// (64 MiB × 3). So 64 MiB needs 3 passes, 96 MiB 2, and 192 MiB or more may use 1 (RFC 9106's
    /// first recommendation is itself a single pass, over 2 GiB). The rationale: an attacker's
    /// cost per guess is the memory it must hold times the passes it must make over it, and the
    /// memory alone bounds how many guesses a GPU or ASIC can run side by side; below 64 MiB the
    /// second factor drops whatever the passes. The lanes are not part of the floor: they split
    /// the same memory between the defender's threads and change the attacker's cost per guess
    /// little, so `p = 1` is as strong as `p = 4`.
    pub fn meets_floor(&self) -> bool {
        self.memory_kib >= Self::FLOOR_MEMORY_KIB && self.work() >= Self::FLOOR_WORK
    }

    /// Checks parameters for a *new* passphrase key (a vault being created, a passphrase being
    /// changed): [`validate`](Self::validate), then the floor ([`meets_floor`](Self::meets_floor))
    /// unless `allow_insecure`. Below the floor without it: [`Error::KdfBelowFloor`]. Opening an
    /// existing vault checks only [`validate`](Self::validate), so a vault made with weaker
    /// parameters still opens.
    pub fn validate_new(&self, allow_insecure: bool) -> Result<(), Error> {
        self.validate()?;
        if !allow_insecure && !self.meets_floor() {
            return Err(Error::KdfBelowFloor {
                memory_kib: self.memory_kib,
                iterations: self.iterations,
                parallelism: self.parallelism,
            });
        }
        Ok(())
    }

    /// Checks the parameters against Argon2's minimums and tokenvault's caps (what every open of
    /// a vault checks before Argon2 runs). Below Argon2's minimums: [`Error::InvalidKdfParams`];
    /// over a cap: [`Error::KdfCostTooHigh`].
    pub fn validate(&self) -> Result<(), Error> {
        let too_small = |reason: &str| {
            Err(Error::InvalidKdfParams {
                reason: reason.to_string(),
            })
        };
        if self.iterations < 1 {
            return too_small("iterations must be at least 1");
        }
        if self.parallelism < 1 {
            return too_small("parallelism must be at least 1");
        }
        if u64::from(self.memory_kib) < 8 * u64::from(self.parallelism) {
            return too_small("memory must be at least 8 KiB per lane");
        }
        let work = self.work();
        if self.memory_kib > Self::MAX_MEMORY_KIB
            || self.iterations > Self::MAX_ITERATIONS
            || self.parallelism > Self::MAX_PARALLELISM
            || work > Self::MAX_WORK
        {
            return Err(Error::KdfCostTooHigh {
                memory_kib: self.memory_kib,
                iterations: self.iterations,
                parallelism: self.parallelism,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kdf_params_over_the_caps_are_refused() {
        let over = [
            KdfParams {
                memory_kib: KdfParams::MAX_MEMORY_KIB + 1,
                iterations: 1,
                parallelism: 1,
            },
            KdfParams {
                memory_kib: 64,
                iterations: KdfParams::MAX_ITERATIONS + 1,
                parallelism: 1,
            },
            KdfParams {
                memory_kib: 1024,
                iterations: 1,
                parallelism: KdfParams::MAX_PARALLELISM + 1,
            },
            KdfParams {
                memory_kib: KdfParams::MAX_MEMORY_KIB,
                iterations: 8,
                parallelism: 1,
            },
        ];
        for p in over {
            assert!(
                matches!(p.validate(), Err(Error::KdfCostTooHigh { .. })),
                "{p:?}"
            );
        }
        assert!(KdfParams::default().validate().is_ok());
        assert!(KdfParams::insecure_for_tests().validate().is_ok());
    }

    #[test]
    fn the_kdf_floor_is_64_mib_and_the_work_of_rfc_9106_second_recommendation() {
        let p = |memory_kib, iterations, parallelism| KdfParams {
            memory_kib,
            iterations,
            parallelism,
        };
        for ok in [
            KdfParams::default(),
            p(64 * 1024, 3, 1),
            p(64 * 1024, 3, 16),
            p(96 * 1024, 2, 4),
            p(192 * 1024, 1, 4),
            p(KdfParams::MAX_MEMORY_KIB, 4, 16),
        ] {
            assert!(ok.meets_floor(), "{ok:?}");
            assert!(ok.validate_new(false).is_ok(), "{ok:?}");
        }
        for weak in [
            KdfParams::insecure_for_tests(),
            p(64 * 1024 - 1, 16, 4),
            p(64 * 1024, 2, 4),
            p(96 * 1024 - 1, 2, 4),
            p(192 * 1024 - 1, 1, 4),
            p(32 * 1024, 6, 4),
        ] {
            assert!(!weak.meets_floor(), "{weak:?}");
            assert!(
                matches!(
                    weak.validate_new(false),
                    Err(Error::KdfBelowFloor { memory_kib, iterations, parallelism })
                        if (memory_kib, iterations, parallelism)
                            == (weak.memory_kib, weak.iterations, weak.parallelism)
                ),
                "{weak:?}"
            );
            assert!(weak.validate_new(true).is_ok(), "{weak:?}");
            assert!(
                weak.validate().is_ok(),
                "{weak:?}: an existing vault still opens"
            );
        }
    }

    #[test]
    fn the_insecure_opt_in_does_not_lift_argon2_minimums_or_the_caps() {
        let under = KdfParams {
            memory_kib: 8,
            iterations: 1,
            parallelism: 4,
        };
        assert!(matches!(
            under.validate_new(true),
            Err(Error::InvalidKdfParams { .. })
        ));
        let over = KdfParams {
            memory_kib: KdfParams::MAX_MEMORY_KIB,
            iterations: 8,
            parallelism: 1,
        };
        assert!(matches!(
            over.validate_new(true),
            Err(Error::KdfCostTooHigh { .. })
        ));
    }

    #[test]
    fn kdf_params_under_argon2_minimums_are_refused() {
        let bad = [
            KdfParams {
                memory_kib: 8,
                iterations: 0,
                parallelism: 1,
            },
            KdfParams {
                memory_kib: 8,
                iterations: 1,
                parallelism: 0,
            },
            KdfParams {
                memory_kib: 8,
                iterations: 1,
                parallelism: 2,
            },
        ];
        for p in bad {
            assert!(
                matches!(p.validate(), Err(Error::InvalidKdfParams { .. })),
                "{p:?}"
            );
        }
    }
}
