//! Blind indexes: which token fields are indexed, and the keyed tag that stands in for a value.
//!
//! An index entry is `(tag, seq) → id`, where `tag = BLAKE2b-128-MAC(index key, value)`. The
//! value itself never reaches the file; a tag hit is only a candidate and is confirmed against
//! the decrypted record before anything is returned (two values may share a tag).

use crate::crypto::{self, Key};
use crate::token::{Secret, Token};

/// The tag of an indexed value.
pub(crate) type Tag = [u8; 16];

/// One indexed field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IndexKind {
    UserName,
    AccessToken,
    RefreshToken,
    GrantToken,
}

impl IndexKind {
    pub(crate) const ALL: [IndexKind; 4] = [
        IndexKind::UserName,
        IndexKind::AccessToken,
        IndexKind::RefreshToken,
        IndexKind::GrantToken,
    ];

    /// The key-derivation label of this index's key (FORMAT.md §Keys).
    fn key_label(self) -> &'static [u8] {
        match self {
            IndexKind::UserName => b"tokenvault/v1/index/user_name",
            IndexKind::AccessToken => b"tokenvault/v1/index/access_token",
            IndexKind::RefreshToken => b"tokenvault/v1/index/refresh_token",
            IndexKind::GrantToken => b"tokenvault/v1/index/grant_token",
        }
    }

    /// The redb table holding this index (FORMAT.md §Tables).
    pub(crate) fn table_name(self) -> &'static str {
        match self {
            IndexKind::UserName => "index_user_name",
            IndexKind::AccessToken => "index_access_token",
            IndexKind::RefreshToken => "index_refresh_token",
            IndexKind::GrantToken => "index_grant_token",
        }
    }

    /// The token's value for this index; empty values are not indexed (they never match).
    pub(crate) fn value_of(self, token: &Token) -> Option<&str> {
        let value = match self {
            IndexKind::UserName => token.user_name.as_deref(),
            IndexKind::AccessToken => token.access_token.as_ref().map(Secret::expose),
            IndexKind::RefreshToken => token.refresh_token.as_ref().map(Secret::expose),
            IndexKind::GrantToken => token.grant_token.as_ref().map(Secret::expose),
        };
        value.filter(|v| !v.is_empty())
    }

    fn position(self) -> usize {
        self as usize
    }
}

/// The four index keys of one data key.
pub(crate) struct IndexKeys {
    keys: [Key; 4],
}

impl IndexKeys {
    pub(crate) fn derive(master: &Key) -> Self {
        IndexKeys {
            keys: IndexKind::ALL.map(|kind| crypto::derive_subkey(master, kind.key_label())),
        }
    }

    /// The tag of `value` in index `kind`.
    pub(crate) fn tag(&self, kind: IndexKind, value: &str) -> Tag {
        crypto::mac128(&self.keys[kind.position()], value.as_bytes())
    }

    /// Every `(kind, tag)` entry a stored token has.
    pub(crate) fn entries(&self, token: &Token) -> Vec<(IndexKind, Tag)> {
        IndexKind::ALL
            .into_iter()
            .filter_map(|kind| kind.value_of(token).map(|v| (kind, self.tag(kind, v))))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_value_gets_different_tags_in_different_indexes() {
        let keys = IndexKeys::derive(&crypto::random_key().unwrap());
        let a = keys.tag(IndexKind::AccessToken, "v");
        let r = keys.tag(IndexKind::RefreshToken, "v");
        assert_ne!(a, r);
        assert_eq!(a, keys.tag(IndexKind::AccessToken, "v"));
    }

    #[test]
    fn tags_depend_on_the_data_key() {
        let k1 = IndexKeys::derive(&crypto::random_key().unwrap());
        let k2 = IndexKeys::derive(&crypto::random_key().unwrap());
        assert_ne!(
            k1.tag(IndexKind::UserName, "ann"),
            k2.tag(IndexKind::UserName, "ann")
        );
    }

    #[test]
    fn empty_values_are_not_indexed() {
        let keys = IndexKeys::derive(&crypto::random_key().unwrap());
        let t = Token {
            user_name: Some(String::new()),
            access_token: Some(Secret::new("a")),
            ..Token::default()
        };
        let entries = keys.entries(&t);
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].0, IndexKind::AccessToken);
    }
}
