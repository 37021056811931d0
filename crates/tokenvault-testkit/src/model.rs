//! The FileStore's rules as a plain model over rows: the one test model, for the `ops_model`
//! fuzz target and `tests/compat/model.rs`.

use tokenvault::SaveOutcome;
use tokenvault::Token;

/// What an operation's error was, as far as the model can tell.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No token with that id.
    NotFound,
    /// A save the FileStore refuses: "user authentication details not found".
    MissingAuthDetails,
    /// An id that is not a canonical decimal.
    InvalidId,
}

/// The FileStore's rules (`docs/reference/filestore-rules.md`) over rows in file order,
/// written apart from `src/rules.rs` so that agreement means something. Rows hold no empty
/// strings (the FileStore reads an empty field back as absent). tokenvault's documented
/// divergences: `find` falls back to the id when no rule applies; ids are canonical decimals.
#[derive(Clone, Default)]
pub struct Model {
    /// The stored rows, in file order.
    pub rows: Vec<Token>,
}

fn field_matches(query: Option<&str>, row: Option<&str>) -> bool {
    match (query, row) {
        (Some(q), Some(r)) => !q.is_empty() && q == r,
        _ => false,
    }
}

fn canonical_id(id: &str) -> Option<u64> {
    let digits = !id.is_empty() && id.chars().all(|c| c.is_ascii_digit());
    if digits && (id.len() == 1 || !id.starts_with('0')) {
        id.parse().ok()
    } else {
        None
    }
}

fn fill_absent(q: &mut Token, row: &Token) {
    for name in Token::FIELDS {
        if q.field(name).is_none() {
            q.set_field(name, row.field(name).map(str::to_string));
        }
    }
}

fn without_empty(t: &Token) -> Token {
    let mut out = Token::new();
    for name in Token::FIELDS {
        out.set_field(
            name,
            t.field(name).filter(|v| !v.is_empty()).map(str::to_string),
        );
    }
    out
}

impl Model {
    /// Rules 1–3: the first selected row, or `None` (also when no rule applies).
    fn select(&self, q: &Token) -> Option<usize> {
        let f = |name| q.field(name);
        let rule: Box<dyn Fn(&Token) -> bool> = if f("user_name").is_some() {
            Box::new(|row| field_matches(f("user_name"), row.field("user_name")))
        } else if f("access_token").is_some()
            && f("client_id").is_none()
            && f("client_secret").is_none()
        {
            Box::new(|row| field_matches(f("access_token"), row.field("access_token")))
        } else if (f("refresh_token").is_some() || f("grant_token").is_some())
            && f("client_id").is_some()
            && f("client_secret").is_some()
        {
            Box::new(|row| {
                field_matches(f("grant_token"), row.field("grant_token"))
                    || field_matches(f("refresh_token"), row.field("refresh_token"))
            })
        } else {
            return None;
        };
        self.rows.iter().position(rule)
    }

    fn no_rule_applies(q: &Token) -> bool {
        q.user_name.is_none()
            && !(q.access_token.is_some() && q.client_id.is_none() && q.client_secret.is_none())
            && !((q.refresh_token.is_some() || q.grant_token.is_some())
                && q.client_id.is_some()
                && q.client_secret.is_some())
    }

    fn by_id(&self, id: &str) -> Option<usize> {
        self.rows
            .iter()
            .position(|row| row.id.as_deref() == Some(id))
    }

    /// `find_token`.
    pub fn find(&self, q: &Token) -> Option<Token> {
        let at = match (&q.id, Model::no_rule_applies(q)) {
            (Some(id), true) => self.by_id(id),
            _ => self.select(q),
        }?;
        let mut found = q.clone();
        fill_absent(&mut found, &self.rows[at]);
        Some(found)
    }

    /// `save_token`: the merged token and what the save did.
    pub fn save(&mut self, t: &Token) -> Result<(Token, SaveOutcome), Refusal> {
        self.save_row(t, false)
    }

    /// `save`; an imported row (`importing`) is a row of the FileStore's file, whose id the
    /// FileStore gave it, so only a user name demands an OAuth token.
    fn save_row(&mut self, t: &Token, importing: bool) -> Result<(Token, SaveOutcome), Refusal> {
        let at = match &t.id {
            Some(id) if canonical_id(id).is_none() => return Err(Refusal::InvalidId),
            Some(id) => self.by_id(id),
            None => self.select(t),
        };
        let mut merged = t.clone();
        if let Some(at) = at {
            fill_absent(&mut merged, &self.rows[at]);
            self.rows[at] = without_empty(&merged);
            return Ok((merged, SaveOutcome::Updated));
        }
        let has_token =
            t.access_token.is_some() || t.refresh_token.is_some() || t.grant_token.is_some();
        let identified = t.user_name.is_some() || (t.id.is_some() && !importing);
        if identified && !has_token {
            return Err(Refusal::MissingAuthDetails);
        }
        if merged.id.is_none() {
            let max = self
                .rows
                .iter()
                .filter_map(|r| r.id.as_deref().and_then(canonical_id))
                .max();
            let next = match max {
                None => 1,
                Some(max) => max.checked_add(1).ok_or(Refusal::InvalidId)?,
            };
            merged.id = Some(next.to_string());
        }
        self.rows.push(without_empty(&merged));
        Ok((merged, SaveOutcome::Inserted))
    }

    /// `find_token_by_id` (or, with `remove`, `delete_token`).
    pub fn take(&mut self, id: &str, remove: bool) -> Result<Token, Refusal> {
        let at = self.by_id(id).ok_or(Refusal::NotFound)?;
        Ok(if remove {
            self.rows.remove(at)
        } else {
            self.rows[at].clone()
        })
    }

    /// All or nothing: a refused token is skipped, any other refusal undoes the whole import.
    pub(crate) fn import(&mut self, tokens: &[Token]) -> Result<(u64, u64, usize), Refusal> {
        let mut next = self.clone();
        let (mut inserted, mut updated, mut skipped) = (0, 0, 0);
        for t in tokens {
            match next.save_row(t, true) {
                Ok((_, SaveOutcome::Inserted)) => inserted += 1,
                Ok(_) => updated += 1,
                Err(Refusal::MissingAuthDetails) => skipped += 1,
                Err(other) => return Err(other),
            }
        }
        *self = next;
        Ok((inserted, updated, skipped))
    }
}
