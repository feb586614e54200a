//! Telegram's data-center addresses: production and test, IPv4 and IPv6.
//!
//! Source: Pyrogram 2.0.106, `pyrogram/session/internals/data_center.py`
//! (`DataCenter.PROD`, `TEST`, `PROD_IPV6`, `TEST_IPV6`; port 443 in
//! production and 80 on the test servers), which matches the list Telegram
//! publishes at <https://core.telegram.org/mtproto/transports> and the table
//! Kurigram 2.2.26 uses (`sqlite_storage.py`) to fill in the address of an
//! imported session string. IPv6 addresses are written in compressed form.
//!
//! Formats that carry only a DC id (Pyrogram, MTKruto) get their server
//! address and port from here when decoded, and the formats that need an
//! address (Telethon, GramJS, mtcute, gogram, gotgproto) fall back to it when
//! encoding a session that has none.

/// One data-center address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DcAddress {
    /// The DC id.
    pub dc: i32,
    /// Whether this is one of Telegram's test servers.
    pub test_mode: bool,
    /// The IPv4 address.
    pub ipv4: &'static str,
    /// The IPv6 address, if Telegram publishes one.
    pub ipv6: Option<&'static str>,
    /// The port the client connects to.
    pub port: u16,
}

const fn prod(dc: i32, ipv4: &'static str, ipv6: &'static str) -> DcAddress {
    DcAddress {
        dc,
        test_mode: false,
        ipv4,
        ipv6: Some(ipv6),
        port: 443,
    }
}

const fn test(dc: i32, ipv4: &'static str, ipv6: &'static str) -> DcAddress {
    DcAddress {
        dc,
        test_mode: true,
        ipv4,
        ipv6: Some(ipv6),
        port: 80,
    }
}

/// Every known data center.
pub const DC_ADDRESSES: &[DcAddress] = &[
    prod(1, "149.154.175.53", "2001:b28:f23d:f001::a"),
    prod(2, "149.154.167.51", "2001:67c:4e8:f002::a"),
    prod(3, "149.154.175.100", "2001:b28:f23d:f003::a"),
    prod(4, "149.154.167.91", "2001:67c:4e8:f004::a"),
    prod(5, "91.108.56.130", "2001:b28:f23f:f005::a"),
    prod(203, "91.105.192.100", "2a0a:f280:203:a:5000::100"),
    test(1, "149.154.175.10", "2001:b28:f23d:f001::e"),
    test(2, "149.154.167.40", "2001:67c:4e8:f002::e"),
    test(3, "149.154.175.117", "2001:b28:f23d:f003::e"),
];

/// The address of a data center, or `None` for an unknown (id, test mode)
/// pair (for instance test DC 4, which Pyrogram does not know either).
///
/// ```
/// use mtgo_storage::session_string::dc_table::lookup;
/// let dc2 = lookup(2, false).unwrap();
/// assert_eq!((dc2.ipv4, dc2.port), ("149.154.167.51", 443));
/// assert_eq!(lookup(2, true).unwrap().port, 80);
/// assert!(lookup(9, false).is_none());
/// ```
pub fn lookup(dc: i32, test_mode: bool) -> Option<&'static DcAddress> {
    DC_ADDRESSES
        .iter()
        .find(|a| a.dc == dc && a.test_mode == test_mode)
}

/// Whether `dc` is the id of a production data center (1 to 5, or 203).
/// Pyrogram and MTKruto strings with any other DC id are rejected.
pub fn is_known_dc(dc: i32) -> bool {
    (1..=5).contains(&dc) || dc == 203
}

/// Fills `session.addr` and `session.port` from the table (IPv4) when the
/// address is empty; leaves the session unchanged for an unknown DC.
pub(crate) fn fill_address(session: &mut crate::Session) {
    if session.addr.is_empty()
        && let Some(a) = lookup(session.dc, session.test_mode)
    {
        session.addr = a.ipv4.to_owned();
        session.port = a.port;
    }
}

/// The session's address, or the table's IPv4 address of its DC when it has
/// none, with the port (the table's when the session has no port).
///
/// # Errors
/// [`crate::Error::MissingField`] naming `addr` when neither exists.
pub(crate) fn address_for(
    session: &crate::Session,
    format: &'static str,
) -> crate::Result<(String, u16)> {
    if !session.addr.is_empty() {
        let port = if session.port != 0 {
            session.port
        } else {
            lookup(session.dc, session.test_mode).map_or(443, |a| a.port)
        };
        return Ok((session.addr.clone(), port));
    }
    lookup(session.dc, session.test_mode)
        .map(|a| (a.ipv4.to_owned(), a.port))
        .ok_or(crate::Error::MissingField {
            format,
            field: "addr",
        })
}
