//! The FileStore's matching rules, as pure functions (docs/COMPAT.md; the recorded cases in
//! `tests/data/compat/filestore-cases.json` are the ground truth). Rules decide; `store` executes.
//!
//! "Given" means `Some(_)`, even `Some("")`: the FileStore picks its rule by which fields are not
//! `None`. "Matches" means the stored value is non-empty and equal to the query's non-empty value.

use crate::blind_index::IndexKind;
use crate::error::Error;
use crate::token::{Secret, Token};

/// Which stored tokens a query selects. Exactly one rule applies; there is no fall-through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Selector<'q> {
    /// Rule 1: the query has a user name. `""` selects this rule and matches nothing.
    UserName(&'q str),
    /// Rule 2: an access token, and neither client id nor client secret.
    AccessToken(&'q str),
    /// Rule 3: a grant or refresh token, with client id and secret (never compared). Per stored
    /// token in insertion order, a grant match or a refresh match; the first such token wins.
    GrantOrRefresh {
        grant: Option<&'q str>,
        refresh: Option<&'q str>,
    },
    /// tokenvault's divergence: no rule applies but the query carries an id (the SDK's `revoke`).
    Id(&'q str),
    /// No rule applies: nothing is selected.
    Nothing,
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref()
}

fn given_secret(value: &Option<Secret>) -> Option<&str> {
    value.as_ref().map(Secret::expose)
}

/// The FileStore's rule for `query` (rules 1–3), as `save_token` uses it.
pub(crate) fn select(query: &Token) -> Selector<'_> {
    if let Some(name) = given(&query.user_name) {
        return Selector::UserName(name);
    }
    let has_client_id = query.client_id.is_some();
    let has_client_secret = query.client_secret.is_some();
    if let Some(access) = given_secret(&query.access_token) {
        if !has_client_id && !has_client_secret {
            return Selector::AccessToken(access);
        }
    }
    let grant = given_secret(&query.grant_token);
    let refresh = given_secret(&query.refresh_token);
    if (grant.is_some() || refresh.is_some()) && has_client_id && has_client_secret {
        return Selector::GrantOrRefresh { grant, refresh };
    }
    Selector::Nothing
}

/// The rule `find_token` uses: the FileStore's, then — where it selects nothing — the id.
pub(crate) fn select_for_find(query: &Token) -> Selector<'_> {
    match (select(query), given(&query.id)) {
        (Selector::Nothing, Some(id)) => Selector::Id(id),
        (selector, _) => selector,
    }
}

fn same(query: Option<&str>, stored: Option<&str>) -> bool {
    matches!((query, stored), (Some(q), Some(s)) if !q.is_empty() && !s.is_empty() && q == s)
}

/// Whether the stored token `row` is selected. The id selector is decided by the caller (a key
/// lookup), so it never matches here.
pub(crate) fn matches(selector: &Selector<'_>, row: &Token) -> bool {
    match *selector {
        Selector::UserName(name) => same(Some(name), row.user_name.as_deref()),
        Selector::AccessToken(access) => same(Some(access), given_secret(&row.access_token)),
        Selector::GrantOrRefresh { grant, refresh } => {
            same(grant, given_secret(&row.grant_token))
                || same(refresh, given_secret(&row.refresh_token))
        }
        Selector::Id(_) | Selector::Nothing => false,
    }
}

/// Which of the lookup rules selected a stored token (for `find --explain`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MatchedBy {
    /// Rule 1: the user name.
    UserName,
    /// Rule 2: the access token.
    AccessToken,
    /// Rule 3: the grant token.
    GrantToken,
    /// Rule 3: the refresh token.
    RefreshToken,
    /// tokenvault's divergence: the id (no FileStore rule applied).
    Id,
}

/// The rule by which `selector` selected `row` (which it did select).
pub(crate) fn matched_by(selector: &Selector<'_>, row: &Token) -> MatchedBy {
    match *selector {
        Selector::UserName(_) => MatchedBy::UserName,
        Selector::AccessToken(_) => MatchedBy::AccessToken,
        Selector::GrantOrRefresh { grant, .. } if same(grant, given_secret(&row.grant_token)) => {
            MatchedBy::GrantToken
        }
        Selector::GrantOrRefresh { .. } => MatchedBy::RefreshToken,
        Selector::Id(_) | Selector::Nothing => MatchedBy::Id,
    }
}

/// The index lookups that find every candidate for `selector` (each hit is then confirmed with
/// [`matches`]). Empty values match nothing, so they need no lookup.
pub(crate) fn lookups<'q>(selector: &Selector<'q>) -> Vec<(IndexKind, &'q str)> {
    let non_empty = |v: &'q str| (!v.is_empty()).then_some(v);
    match *selector {
        Selector::UserName(name) => non_empty(name)
            .map(|v| (IndexKind::UserName, v))
            .into_iter()
            .collect(),
        Selector::AccessToken(access) => non_empty(access)
            .map(|v| (IndexKind::AccessToken, v))
            .into_iter()
            .collect(),
        Selector::GrantOrRefresh { grant, refresh } => grant
            .and_then(non_empty)
            .map(|v| (IndexKind::GrantToken, v))
            .into_iter()
            .chain(
                refresh
                    .and_then(non_empty)
                    .map(|v| (IndexKind::RefreshToken, v)),
            )
            .collect(),
        Selector::Id(_) | Selector::Nothing => Vec::new(),
    }
}

/// Fills each of `query`'s `None` fields from the stored token (the FileStore's `set_merge_data`).
/// Given fields, `Some("")` included, are kept.
pub(crate) fn merge_absent(query: &mut Token, stored: &Token) {
    fn fill<T: Clone>(q: &mut Option<T>, s: &Option<T>) {
        if q.is_none() {
            q.clone_from(s);
        }
    }
    fill(&mut query.id, &stored.id);
    fill(&mut query.user_name, &stored.user_name);
    fill(&mut query.client_id, &stored.client_id);
    fill(&mut query.client_secret, &stored.client_secret);
    fill(&mut query.refresh_token, &stored.refresh_token);
    fill(&mut query.access_token, &stored.access_token);
    fill(&mut query.grant_token, &stored.grant_token);
    fill(&mut query.expiry_time, &stored.expiry_time);
    fill(&mut query.redirect_url, &stored.redirect_url);
    fill(&mut query.api_domain, &stored.api_domain);
}

/// How `save_token` finds the stored token it replaces.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SaveTarget<'t> {
    /// The token has an id: the stored token with that id, or an insert under that id.
    ById(u64),
    /// No id: the first token the rule selects, or an insert under the next id.
    ByRule(Selector<'t>),
}

/// Decides how `save_token` looks up `token`. An id that is not a canonical decimal number is
/// refused (a divergence: the FileStore would append it and then fail every later insert).
pub(crate) fn save_target(token: &Token) -> Result<SaveTarget<'_>, Error> {
    match &token.id {
        Some(id) => parse_id(id)
            .map(SaveTarget::ById)
            .ok_or_else(|| Error::InvalidId { id: id.clone() }),
        None => Ok(SaveTarget::ByRule(select(token))),
    }
}

/// Whether a token that matched nothing may be inserted: one with an id or a user name must carry
/// an access, refresh or grant token (the SDK's "user authentication details not found").
pub(crate) fn check_insertable(token: &Token) -> Result<(), Error> {
    require_token_if(token.id.is_some() || token.user_name.is_some(), token)
}

/// Whether an imported row that matched nothing may be inserted: whether the FileStore could have
/// written it. The FileStore gives a token without id, user name and OAuth tokens an id and
/// stores it; such a row, read back from its file, must migrate too. A row with a user name must
/// carry a token, as in [`check_insertable`].
pub(crate) fn check_importable(token: &Token) -> Result<(), Error> {
    require_token_if(token.user_name.is_some(), token)
}

fn require_token_if(identified: bool, token: &Token) -> Result<(), Error> {
    let has_token = token.access_token.is_some()
        || token.refresh_token.is_some()
        || token.grant_token.is_some();
    if identified && !has_token {
        return Err(Error::MissingAuthDetails);
    }
    Ok(())
}

/// The id a new token gets: one more than the largest stored id (not the count), 1 when empty.
pub(crate) fn next_id(max_stored: Option<u64>) -> Result<u64, Error> {
    match max_stored {
        None => Ok(1),
        Some(max) => max.checked_add(1).ok_or_else(|| Error::InvalidId {
            id: format!("{max}+1"),
        }),
    }
}

/// Parses a canonical decimal id: `0`, or digits without a leading zero, within `u64`.
/// Any other string names no stored token.
pub(crate) fn parse_id(id: &str) -> Option<u64> {
    let canonical = !id.is_empty()
        && id.bytes().all(|b| b.is_ascii_digit())
        && (id == "0" || !id.starts_with('0'));
    if canonical { id.parse().ok() } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(fields: &[(&str, &str)]) -> Token {
        let mut t = Token::new();
        for (k, v) in fields {
            assert!(t.set_field(k, Some((*v).to_string())));
        }
        t
    }

    #[test]
    fn user_name_rule_wins_over_every_other_field() {
        let q = token(&[("user_name", "ann"), ("access_token", "a")]);
        assert_eq!(select(&q), Selector::UserName("ann"));
    }

    #[test]
    fn empty_user_name_selects_the_user_rule_and_matches_nothing() {
        let q = token(&[("user_name", ""), ("access_token", "a")]);
        assert_eq!(select(&q), Selector::UserName(""));
        assert!(!matches(
            &select(&q),
            &token(&[("user_name", ""), ("access_token", "a")])
        ));
    }

    #[test]
    fn access_rule_needs_no_client_id_and_no_client_secret() {
        assert_eq!(
            select(&token(&[("access_token", "a")])),
            Selector::AccessToken("a")
        );
        assert_eq!(
            select(&token(&[("access_token", "a"), ("client_id", "")])),
            Selector::Nothing
        );
    }

    #[test]
    fn grant_or_refresh_rule_needs_both_client_fields() {
        let q = token(&[("refresh_token", "r"), ("client_id", "c")]);
        assert_eq!(select(&q), Selector::Nothing);
        let q = token(&[
            ("refresh_token", "r"),
            ("client_id", "c"),
            ("client_secret", "s"),
        ]);
        assert_eq!(
            select(&q),
            Selector::GrantOrRefresh {
                grant: None,
                refresh: Some("r")
            }
        );
    }

    #[test]
    fn find_falls_back_to_the_id_only_when_no_rule_applies() {
        assert_eq!(select_for_find(&token(&[("id", "3")])), Selector::Id("3"));
        assert_eq!(
            select_for_find(&token(&[("id", "3"), ("access_token", "a")])),
            Selector::AccessToken("a")
        );
    }

    #[test]
    fn merge_fills_only_absent_fields() {
        let mut q = token(&[("client_id", ""), ("access_token", "mine")]);
        let stored = token(&[
            ("id", "4"),
            ("client_id", "c"),
            ("access_token", "theirs"),
            ("api_domain", "d"),
        ]);
        merge_absent(&mut q, &stored);
        assert_eq!(q.client_id.as_deref(), Some(""));
        assert_eq!(q.field("access_token"), Some("mine"));
        assert_eq!(q.id.as_deref(), Some("4"));
        assert_eq!(q.api_domain.as_deref(), Some("d"));
    }

    #[test]
    fn only_canonical_decimal_ids_parse() {
        assert_eq!(parse_id("0"), Some(0));
        assert_eq!(parse_id("17"), Some(17));
        for bad in ["", "01", "-1", "+1", "1a", " 1", "18446744073709551616"] {
            assert_eq!(parse_id(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn identified_token_without_any_oauth_token_cannot_be_inserted() {
        assert!(check_insertable(&token(&[("user_name", "u")])).is_err());
        assert!(check_insertable(&token(&[("id", "4"), ("client_id", "c")])).is_err());
        assert!(check_insertable(&token(&[("client_id", "c")])).is_ok());
        assert!(check_insertable(&token(&[("user_name", "u"), ("grant_token", "")])).is_ok());
    }

    #[test]
    fn next_id_is_max_plus_one() {
        assert_eq!(next_id(None).unwrap(), 1);
        assert_eq!(next_id(Some(9)).unwrap(), 10);
        assert!(next_id(Some(u64::MAX)).is_err());
    }
}
