//! tokenvault's MySQL engine against the Zoho SDK's `DBStore` layout on the same server, and
//! against tokenvault's file engine, for the two operations that matter: `find_token` (before
//! every API call) and a durable `save_token`; with `TOKENVAULT_BENCH_POSTGRES_URL`, in the same
//! run, the PostgreSQL engine against the same layout in a plain PostgreSQL table and against
//! the MySQL engine.
//!
//! The DBStore side runs the SDK's own statements (`store/db_store.py`, zohocrmsdk8-0 7.0.0) on
//! its own table (`CREATE TABLE oauthtoken` from the SDK's README: no index but the primary key),
//! over one kept connection: the SDK opens a new connection for every call, which would only
//! make it slower, and the point is the layout and the transaction, not connection setup. Every
//! store holds the same `TOKENS` tokens; each save is committed (InnoDB flushes its log at
//! commit, the server default; redb fsyncs).
//!
//! The PostgreSQL DBStore side runs the same statements in PostgreSQL's words (`$1` parameters;
//! no `LIMIT` on an `UPDATE`, which matches no row here anyway) on the same table, with
//! PostgreSQL's defaults (a commit is flushed to the WAL before it returns).
//!
//! Usage: `TOKENVAULT_BENCH_MYSQL_URL=mysql://user:pw@127.0.0.1:3306/db
//! [TOKENVAULT_BENCH_POSTGRES_URL=postgres://user:pw@127.0.0.1:5432/db] tokenvault-bench-mysql`
//! (each database is used for the run and its tables dropped at the end). `benches/mysql/run.sh`
//! starts a throwaway MariaDB and PostgreSQL and runs this.

use std::time::{Duration, Instant};

use mysql::prelude::Queryable;
use tokenvault::{Location, OpenOptions, Secret, Token};

const TOKENS: usize = 1000;
const FINDS: usize = 3000;
const SAVES: usize = 300;

fn token(i: usize) -> Token {
    Token {
        id: None,
        user_name: Some(format!("user{i}@zylker.com")),
        client_id: Some("1000.CLIENTID".into()),
        client_secret: Some(Secret::new("client-secret-0123456789abcdef")),
        refresh_token: Some(Secret::new(format!(
            "1000.refresh.{i:08}.0123456789abcdef0123456789abcdef"
        ))),
        access_token: Some(Secret::new(format!(
            "1000.access.{i:08}.0123456789abcdef0123456789abcdef"
        ))),
        grant_token: None,
        expiry_time: Some("1700000000000".into()),
        redirect_url: Some("https://zylker.com/oauth/callback".into()),
        api_domain: Some("https://www.zohoapis.com".into()),
    }
}

/// Timings of one operation.
struct Sample(Vec<Duration>);

impl Sample {
    fn median(&self) -> Duration {
        let mut v = self.0.clone();
        v.sort();
        v[v.len() / 2]
    }
    fn p95(&self) -> Duration {
        let mut v = self.0.clone();
        v.sort();
        v[v.len() * 95 / 100]
    }
}

fn time(n: usize, mut f: impl FnMut(usize)) -> Sample {
    // Warm-up: statement caches, buffer pool, page cache.
    for i in 0..n / 10 {
        f(i);
    }
    Sample(
        (0..n)
            .map(|i| {
                let start = Instant::now();
                f(i);
                start.elapsed()
            })
            .collect(),
    )
}

fn us(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

const DBSTORE_TABLE: &str = "CREATE TABLE oauthtoken (
  id varchar(10) NOT NULL, user_name varchar(255), client_id varchar(255),
  client_secret varchar(255), refresh_token varchar(255), access_token varchar(255),
  grant_token varchar(255), expiry_time varchar(20), redirect_url varchar(255),
  api_domain varchar(255), primary key (id)) ENGINE=InnoDB";

fn dbstore_row(t: &Token, id: usize) -> Vec<mysql::Value> {
    let mut row = vec![mysql::Value::from(id.to_string())];
    for field in &Token::FIELDS[1..] {
        row.push(t.field(field).map_or(mysql::Value::NULL, |v| v.into()));
    }
    row
}

const DBSTORE_INSERT: &str = "insert into `oauthtoken` (id,user_name,client_id,client_secret,refresh_token,access_token,grant_token,expiry_time,redirect_url,api_domain) values (?,?,?,?,?,?,?,?,?,?)";

fn main() {
    let url = std::env::var("TOKENVAULT_BENCH_MYSQL_URL")
        .expect("set TOKENVAULT_BENCH_MYSQL_URL=mysql://user:pw@host:port/database");
    let opts = mysql::Opts::from_url(&url).expect("a MySQL URL");
    let mut conn = mysql::Conn::new(opts).expect("connect");
    for table in [
        "oauthtoken",
        "tokenvault_header",
        "tokenvault_records",
        "tokenvault_order",
        "tokenvault_index",
    ] {
        conn.query_drop(format!("DROP TABLE IF EXISTS {table}"))
            .unwrap();
    }
    let version: String = conn.query_first("SELECT VERSION()").unwrap().unwrap();

    // ---- tokenvault on the server
    let server = OpenOptions::insecure_for_tests()
        .create(Location::parse(&url), "bench")
        .expect("create the server vault");
    server.import((0..TOKENS).map(token)).unwrap();
    // ---- tokenvault in a file
    let dir = tempfile::tempdir().unwrap();
    let file = OpenOptions::insecure_for_tests()
        .create(dir.path().join("bench.vault"), "bench")
        .unwrap();
    file.import((0..TOKENS).map(token)).unwrap();
    // ---- the DBStore layout
    conn.query_drop(DBSTORE_TABLE).unwrap();
    conn.query_drop("START TRANSACTION").unwrap();
    for i in 0..TOKENS {
        conn.exec_drop(DBSTORE_INSERT, dbstore_row(&token(i), i + 1))
            .unwrap();
    }
    conn.query_drop("COMMIT").unwrap();

    let query = |i: usize| Token {
        user_name: Some(format!("user{}@zylker.com", (i * 7919) % TOKENS)),
        ..Token::default()
    };

    let find_server = time(FINDS, |i| {
        assert!(server.find_token(&query(i)).unwrap().is_some());
    });
    let find_file = time(FINDS, |i| {
        assert!(file.find_token(&query(i)).unwrap().is_some());
    });
    // DBStore.find_token: "select * from `oauthtoken` where user_name=%s limit 1".
    let find_dbstore = time(FINDS, |i| {
        let name = query(i).user_name.unwrap();
        let row: Option<mysql::Row> = conn
            .exec_first(
                "select * from `oauthtoken` where user_name=? limit 1",
                (name,),
            )
            .unwrap();
        assert!(row.is_some());
    });

    // A new token each time: the SDK's save of a user it has not stored yet.
    let mut next = TOKENS;
    let save_server = time(SAVES, |_| {
        next += 1;
        server.save_token(&mut token(next)).unwrap();
    });
    let save_file = time(SAVES, |_| {
        next += 1;
        file.save_token(&mut token(next)).unwrap();
    });
    // DBStore.save_token of a new user: the UPDATE … WHERE user_name matches nothing, then
    // generate_id (SELECT max(id)) and INSERT, then commit.
    let save_dbstore = time(SAVES, |_| {
        next += 1;
        let t = token(next);
        let name = t.user_name.clone().unwrap();
        conn.query_drop("START TRANSACTION").unwrap();
        conn.exec_drop(
            "update `oauthtoken` set user_name=%s,api_domain=?,client_id=?,client_secret=?,refresh_token=?,access_token=?,expiry_time=?,redirect_url=? where user_name=? limit 1"
                .replace("%s", "?"),
            (
                name.clone(),
                t.api_domain.clone(),
                t.client_id.clone(),
                t.field("client_secret").map(str::to_string),
                t.field("refresh_token").map(str::to_string),
                t.field("access_token").map(str::to_string),
                t.expiry_time.clone(),
                t.redirect_url.clone(),
                name,
            ),
        )
        .unwrap();
        assert_eq!(conn.affected_rows(), 0);
        // The SDK's generate_id: max over the varchar column, + 1 (one of its bugs: "9" > "10").
        let _max: Option<Option<String>> = conn
            .query_first("select max(id) as id from `oauthtoken`")
            .unwrap();
        conn.exec_drop(DBSTORE_INSERT, dbstore_row(&t, next + 1_000_000))
            .unwrap();
        conn.query_drop("COMMIT").unwrap();
    });

    println!(
        "Server: {version} on loopback; {TOKENS} tokens in each store; {FINDS} finds, {SAVES} durable saves each.\n"
    );
    let mysql_samples = [find_server, save_server];
    let [find_server, save_server] = &mysql_samples;
    println!(
        "| operation | tokenvault, MySQL | SDK DBStore layout, same server | tokenvault, file | MySQL ÷ DBStore | MySQL ÷ file |"
    );
    println!("|---|---|---|---|---|---|");
    for (name, s, d, f) in [
        (
            "`find_token` by user name (median)",
            find_server,
            &find_dbstore,
            &find_file,
        ),
        (
            "`save_token`, new token, durable (median)",
            save_server,
            &save_dbstore,
            &save_file,
        ),
    ] {
        println!(
            "| {name} | {} (p95 {}) | {} (p95 {}) | {} (p95 {}) | {:.2} | {:.2} |",
            us(s.median()),
            us(s.p95()),
            us(d.median()),
            us(d.p95()),
            us(f.median()),
            us(f.p95()),
            s.median().as_secs_f64() / d.median().as_secs_f64(),
            s.median().as_secs_f64() / f.median().as_secs_f64(),
        );
    }
    drop(server);
    for table in [
        "oauthtoken",
        "tokenvault_header",
        "tokenvault_records",
        "tokenvault_order",
        "tokenvault_index",
    ] {
        conn.query_drop(format!("DROP TABLE IF EXISTS {table}"))
            .unwrap();
    }
    if let Ok(pg_url) = std::env::var("TOKENVAULT_BENCH_POSTGRES_URL") {
        postgres_side(&pg_url, &mysql_samples);
    }
}

/// A PostgreSQL transaction, to insert DBStore rows in.
trait InsertInto {
    fn insert(
        &mut self,
        statement: &postgres::Statement,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    );
}

impl InsertInto for postgres::Transaction<'_> {
    fn insert(
        &mut self,
        statement: &postgres::Statement,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) {
        self.execute(statement, params).unwrap();
    }
}

const PG_TABLES: &str = "oauthtoken, tokenvault_header, tokenvault_records, tokenvault_order, tokenvault_index, \
     tokenvault_leases";

/// The PostgreSQL engine and the DBStore layout in a plain PostgreSQL table, the MySQL engine's
/// figures of this run beside them.
fn postgres_side(url: &str, mysql: &[Sample; 2]) {
    let mut client =
        postgres::Client::connect(url, postgres::NoTls).expect("connect to PostgreSQL");
    client
        .batch_execute(&format!("DROP TABLE IF EXISTS {PG_TABLES}"))
        .unwrap();
    let version: String = client.query_one("SHOW server_version", &[]).unwrap().get(0);
    let vault = OpenOptions::insecure_for_tests()
        .create(Location::parse(url), "bench")
        .expect("create the PostgreSQL vault");
    vault.import((0..TOKENS).map(token)).unwrap();
    client
        .batch_execute(&DBSTORE_TABLE.replace(" ENGINE=InnoDB", ""))
        .unwrap();
    let insert = client
        .prepare(
            "insert into oauthtoken (id,user_name,client_id,client_secret,refresh_token,\
             access_token,grant_token,expiry_time,redirect_url,api_domain) \
             values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
        )
        .unwrap();
    let insert_row = |client: &mut dyn InsertInto, t: &Token, id: usize| {
        let id = id.to_string();
        let fields: Vec<Option<&str>> = Token::FIELDS[1..].iter().map(|f| t.field(f)).collect();
        let mut params: Vec<&(dyn postgres::types::ToSql + Sync)> = vec![&id];
        params.extend(
            fields
                .iter()
                .map(|f| f as &(dyn postgres::types::ToSql + Sync)),
        );
        client.insert(&insert, &params);
    };
    let mut txn_client = client.transaction().unwrap();
    for i in 0..TOKENS {
        insert_row(&mut txn_client, &token(i), i + 1);
    }
    txn_client.commit().unwrap();

    let query = |i: usize| Token {
        user_name: Some(format!("user{}@zylker.com", (i * 7919) % TOKENS)),
        ..Token::default()
    };
    let find_vault = time(FINDS, |i| {
        assert!(vault.find_token(&query(i)).unwrap().is_some());
    });
    let find = client
        .prepare("select * from oauthtoken where user_name=$1 limit 1")
        .unwrap();
    let find_dbstore = time(FINDS, |i| {
        let name = query(i).user_name.unwrap();
        assert!(client.query_opt(&find, &[&name]).unwrap().is_some());
    });
    let mut next = 10 * TOKENS;
    let save_vault = time(SAVES, |_| {
        next += 1;
        vault.save_token(&mut token(next)).unwrap();
    });
    let update = client
        .prepare(
            "update oauthtoken set user_name=$1,api_domain=$2,client_id=$3,client_secret=$4,\
             refresh_token=$5,access_token=$6,expiry_time=$7,redirect_url=$8 where user_name=$9",
        )
        .unwrap();
    let max_id = client
        .prepare("select max(id) as id from oauthtoken")
        .unwrap();
    let save_dbstore = time(SAVES, |_| {
        next += 1;
        let t = token(next);
        let name = t.user_name.clone().unwrap();
        let mut txn = client.transaction().unwrap();
        let updated = txn
            .execute(
                &update,
                &[
                    &name,
                    &t.api_domain,
                    &t.client_id,
                    &t.field("client_secret"),
                    &t.field("refresh_token"),
                    &t.field("access_token"),
                    &t.expiry_time,
                    &t.redirect_url,
                    &name,
                ],
            )
            .unwrap();
        assert_eq!(updated, 0);
        let _max: Option<String> = txn.query_one(&max_id, &[]).unwrap().get(0);
        insert_row(&mut txn, &t, next + 1_000_000);
        txn.commit().unwrap();
    });
    drop(vault);

    println!(
        "\nServer: PostgreSQL {version} on loopback, the same run; {TOKENS} tokens in each store; {FINDS} finds, {SAVES} durable saves each.\n"
    );
    println!(
        "| operation | tokenvault, PostgreSQL | SDK DBStore layout, same PostgreSQL | tokenvault, MySQL (this run) | PostgreSQL ÷ DBStore | PostgreSQL ÷ MySQL |"
    );
    println!("|---|---|---|---|---|---|");
    for (name, p, d, m) in [
        (
            "`find_token` by user name (median)",
            &find_vault,
            &find_dbstore,
            &mysql[0],
        ),
        (
            "`save_token`, new token, durable (median)",
            &save_vault,
            &save_dbstore,
            &mysql[1],
        ),
    ] {
        println!(
            "| {name} | {} (p95 {}) | {} (p95 {}) | {} (p95 {}) | {:.2} | {:.2} |",
            us(p.median()),
            us(p.p95()),
            us(d.median()),
            us(d.p95()),
            us(m.median()),
            us(m.p95()),
            p.median().as_secs_f64() / d.median().as_secs_f64(),
            p.median().as_secs_f64() / m.median().as_secs_f64(),
        );
    }
    client
        .batch_execute(&format!("DROP TABLE IF EXISTS {PG_TABLES}"))
        .unwrap();
}
