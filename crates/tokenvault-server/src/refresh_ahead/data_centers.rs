//! Which accounts server renews a token: Zoho's data centers, by the token's `api_domain` (the
//! table of the SDK's `dc/*_data_center.py`, zohocrmsdk8-0 7.0.0; README §Refresh ahead).

/// `(API domain suffix, accounts server)`. A token's `api_domain` is `https://www.zohoapis.<tld>`
/// (or `sandbox.`, `developer.` under the same domain); its accounts server is the data
/// center's.
const DATA_CENTERS: &[(&str, &str)] = &[
    ("zohoapis.com", "https://accounts.zoho.com"),
    ("zohoapis.eu", "https://accounts.zoho.eu"),
    ("zohoapis.in", "https://accounts.zoho.in"),
    ("zohoapis.com.au", "https://accounts.zoho.com.au"),
    ("zohoapis.jp", "https://accounts.zoho.jp"),
    ("zohoapis.com.cn", "https://accounts.zoho.com.cn"),
    ("zohoapis.ca", "https://accounts.zohocloud.ca"),
    ("zohoapis.sa", "https://accounts.zoho.sa"),
];

/// The accounts server of the data center `api_domain` names (`https://www.zohoapis.eu` →
/// `https://accounts.zoho.eu`); `None` for a domain the table does not know, or none.
pub(crate) fn accounts_server(api_domain: Option<&str>) -> Option<&'static str> {
    let domain = api_domain?.trim();
    let host = domain
        .strip_prefix("https://")
        .or_else(|| domain.strip_prefix("http://"))
        .unwrap_or(domain);
    let host = host.split(['/', ':']).next()?.to_ascii_lowercase();
    DATA_CENTERS
        .iter()
        .find(|(suffix, _)| host == *suffix || host.ends_with(&format!(".{suffix}")))
        .map(|(_, accounts)| *accounts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_data_center_of_the_sdk_maps_to_its_accounts_server() {
        let cases = [
            ("https://www.zohoapis.com", "https://accounts.zoho.com"),
            ("https://sandbox.zohoapis.com", "https://accounts.zoho.com"),
            ("https://www.zohoapis.eu", "https://accounts.zoho.eu"),
            ("https://developer.zohoapis.in", "https://accounts.zoho.in"),
            (
                "https://www.zohoapis.com.au",
                "https://accounts.zoho.com.au",
            ),
            ("https://www.zohoapis.jp", "https://accounts.zoho.jp"),
            (
                "https://www.zohoapis.com.cn",
                "https://accounts.zoho.com.cn",
            ),
            ("https://www.zohoapis.ca", "https://accounts.zohocloud.ca"),
            ("https://www.zohoapis.sa/", "https://accounts.zoho.sa"),
        ];
        for (domain, accounts) in cases {
            assert_eq!(accounts_server(Some(domain)), Some(accounts), "{domain}");
        }
        assert_eq!(accounts_server(Some("https://www.zohoapis.com.evil")), None);
        assert_eq!(accounts_server(Some("https://notzohoapis.com")), None);
        assert_eq!(accounts_server(None), None);
    }
}
