//! The FileStore's selection rules (`docs/reference/filestore-rules.md`) for the peers
//! that implement them themselves. tokenvault applies its own.

use tokenvault::{Secret, Token};

/// Which stored token a query selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selector<'q> {
    /// Rule 1.
    UserName(&'q str),
    /// Rule 2.
    Access(&'q str),
    /// Rule 3: first row whose grant or refresh token matches.
    GrantOrRefresh(Option<&'q str>, Option<&'q str>),
    /// tokenvault's divergence, given to every peer that can look ids up: no rule, but an id.
    Id(&'q str),
    /// Nothing.
    Nothing,
}

fn secret(s: &Option<Secret>) -> Option<&str> {
    s.as_ref().map(Secret::expose)
}

/// The rule for `q`. `with_id` adds the id fallback of `find_token`.
pub fn select(q: &Token, with_id: bool) -> Selector<'_> {
    if let Some(name) = q.user_name.as_deref() {
        return Selector::UserName(name);
    }
    let client = (q.client_id.is_some(), q.client_secret.is_some());
    if let Some(access) = secret(&q.access_token)
        && client == (false, false)
    {
        return Selector::Access(access);
    }
    let (grant, refresh) = (secret(&q.grant_token), secret(&q.refresh_token));
    if (grant.is_some() || refresh.is_some()) && client == (true, true) {
        return Selector::GrantOrRefresh(grant, refresh);
    }
    match q.id.as_deref() {
        Some(id) if with_id => Selector::Id(id),
        _ => Selector::Nothing,
    }
}

fn same(q: Option<&str>, row: Option<&str>) -> bool {
    matches!((q, row), (Some(q), Some(r)) if !q.is_empty() && q == r)
}

/// Whether `row` is selected (the id selector compares ids).
pub fn matches(sel: &Selector<'_>, row: &Token) -> bool {
    match *sel {
        Selector::UserName(n) => same(Some(n), row.user_name.as_deref()),
        Selector::Access(a) => same(Some(a), secret(&row.access_token)),
        Selector::GrantOrRefresh(g, r) => {
            same(g, secret(&row.grant_token)) || same(r, secret(&row.refresh_token))
        }
        Selector::Id(id) => row.id.as_deref() == Some(id),
        Selector::Nothing => false,
    }
}

/// Fills `q`'s absent fields from `row`.
pub fn merge(q: &mut Token, row: &Token) {
    for name in Token::FIELDS {
        if q.field(name).is_none() {
            q.set_field(name, row.field(name).map(str::to_string));
        }
    }
}

/// A token's ten fields in column order, `None` for absent or empty.
pub fn fields(t: &Token) -> [Option<&str>; 10] {
    Token::FIELDS.map(|f| t.field(f).filter(|v| !v.is_empty()))
}

/// A token from ten column values (`None` or empty → absent).
pub fn from_fields<S: AsRef<str>>(values: impl IntoIterator<Item = Option<S>>) -> Token {
    let mut t = Token::new();
    for (name, v) in Token::FIELDS.iter().zip(values) {
        if let Some(v) = v.filter(|v| !v.as_ref().is_empty()) {
            t.set_field(name, Some(v.as_ref().to_string()));
        }
    }
    t
}
