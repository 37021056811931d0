//! The SDK's token file: import then export is byte-identical for every file the real SDK wrote.

use tokenvault::filestore;

fn compat_files() -> Vec<(String, Vec<u8>, Vec<u8>)> {
    let dir = crate::common::data_dir().join("compat/files");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("compat/files") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "txt") {
            let bytes = std::fs::read(&path).unwrap();
            out.push((path.display().to_string(), bytes.clone(), bytes));
        }
    }
    let legacy = dir.join("legacy");
    out.push((
        "legacy/nine-columns.txt".into(),
        std::fs::read(legacy.join("nine-columns.txt")).unwrap(),
        std::fs::read(legacy.join("nine-columns.upgraded.txt")).unwrap(),
    ));
    assert!(out.len() >= 6);
    out
}

#[test]
fn import_then_export_reproduces_every_sdk_file_byte_for_byte() {
    for (name, input, expected) in compat_files() {
        let (_dir, _path, vault) = crate::common::new_vault();
        let tokens = filestore::parse(&input).unwrap_or_else(|e| panic!("{name}: {e}"));
        let summary = vault.import(tokens).unwrap();
        assert!(summary.skipped.is_empty(), "{name}: {summary:?}");
        let mut out = Vec::new();
        filestore::write(&vault.get_tokens().unwrap(), &mut out).unwrap();
        assert!(
            out == expected,
            "{name}: export differs:\n{}",
            String::from_utf8_lossy(&out)
        );
    }
}

#[test]
fn short_rows_extra_columns_and_bad_utf8_are_errors_naming_the_line() {
    let header = "id,user_name,client_id,client_secret,refresh_token,access_token,grant_token,expiry_time,redirect_uri,api_domain\r\n";
    let cases: [(&[u8], u64); 4] = [
        (b"1,a,b\r\n", 2),
        (b"1,,,,,at,,,,,extra\r\n", 2),
        (b"1,\xff,,,,at,,,,\r\n", 2),
        (b"x,,,,,at,,,,\r\n", 2),
    ];
    for (row, line) in cases {
        let mut file = header.as_bytes().to_vec();
        file.extend_from_slice(row);
        match filestore::parse(&file) {
            Err(tokenvault::Error::InvalidTokenFile { line: l, .. }) => assert_eq!(l, line),
            other => panic!("{row:?}: {other:?}"),
        }
    }
}

#[test]
fn a_file_without_the_sdk_header_is_refused() {
    assert!(filestore::parse(b"a,b,c\r\n1,2,3\r\n").is_err());
}

#[test]
fn an_oversized_field_is_refused_without_echoing_it() {
    let mut file = b"id,user_name,client_id,client_secret,refresh_token,access_token,grant_token,expiry_time,redirect_uri,api_domain\r\n1,,,,,".to_vec();
    file.extend(std::iter::repeat_n(b'Q', 10 * 1024 * 1024));
    file.extend_from_slice(b",,,,\r\n");
    let err = filestore::parse(&file).unwrap_err();
    assert!(!err.to_string().contains("QQQQ"));
    assert!(matches!(
        err,
        tokenvault::Error::InvalidTokenFile { line: 2, .. }
    ));
}

#[test]
fn every_sdk_spelling_of_the_header_is_read() {
    // Python: user_name and redirect_uri; the TypeScript SDK's file_store.ts names the second
    // column user_mail; the PHP SDK's FileStore.php names the ninth redirect_url. Each in its
    // 10-column form and the legacy 9-column one (no api_domain).
    for user in ["user_name", "user_mail"] {
        for redirect in ["redirect_uri", "redirect_url"] {
            let ten = format!(
                "id,{user},client_id,client_secret,refresh_token,access_token,grant_token,expiry_time,{redirect},api_domain\n\
                 1,ann@zylker.com,1000.C,cs,1000.rt,1000.at,,1764340000000,https://r,https://www.zohoapis.com\n"
            );
            let nine = format!(
                "id,{user},client_id,client_secret,refresh_token,access_token,grant_token,expiry_time,{redirect}\n\
                 1,ann@zylker.com,1000.C,cs,1000.rt,1000.at,,1764340000000,https://r\n"
            );
            for file in [ten, nine] {
                let tokens = filestore::parse(file.as_bytes())
                    .unwrap_or_else(|e| panic!("{user} {redirect}: {e}"));
                assert_eq!(tokens.len(), 1);
                assert_eq!(tokens[0].user_name.as_deref(), Some("ann@zylker.com"));
                assert_eq!(tokens[0].redirect_url.as_deref(), Some("https://r"));
            }
        }
    }
    // Any other name is still refused.
    let other = b"id,user_email,client_id,client_secret,refresh_token,access_token,grant_token,expiry_time,redirect_uri,api_domain\n";
    assert!(filestore::parse(other).is_err());
}
