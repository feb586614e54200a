//! [`DcAuthStore`] on `mtgo_dc_auth`.

use super::sql::Dialect;
use super::{OrmAdapter, port};
use crate::error::Result;
use crate::store::DcAuthStore;
use crate::{AuthKey, DcAuth};
use async_trait::async_trait;
use mtgo_storage_entity::dc_auth;

const TABLE: &str = "mtgo_dc_auth";
const COLS: &[&str] = &[
    "session_name",
    "dc_id",
    "auth_key",
    "server_salt",
    "port",
    "server_addr",
];
const KEY: &[&str] = &["session_name", "dc_id"];

pub(super) struct Sql {
    save: String,
    load: String,
    load_all: String,
}

impl Sql {
    pub(super) fn new(d: Dialect) -> Self {
        Self {
            save: d.upsert_all(TABLE, COLS, KEY),
            load: d.select(TABLE, COLS, KEY),
            load_all: d.select(TABLE, COLS, &KEY[..1]) + " ORDER BY dc_id",
        }
    }
}

fn decode(m: dc_auth::Model) -> Result<DcAuth> {
    Ok(DcAuth {
        dc_id: m.dc_id,
        auth_key: AuthKey::new(m.auth_key),
        server_salt: m.server_salt,
        port: port(m.port, "dc auth port")?,
        server_addr: m.server_addr,
    })
}

#[async_trait]
impl DcAuthStore for OrmAdapter {
    async fn save_dc_auth(&self, e: &DcAuth) -> Result<()> {
        let values = vec![
            self.session_value(),
            e.dc_id.into(),
            e.auth_key.as_bytes().to_vec().into(),
            e.server_salt.into(),
            i32::from(e.port).into(),
            e.server_addr.clone().into(),
        ];
        self.exec(&self.inner.dc_auth.save, values).await?;
        Ok(())
    }

    async fn load_dc_auth(&self, dc_id: i32) -> Result<Option<DcAuth>> {
        self.one::<dc_auth::Model>(
            &self.inner.dc_auth.load,
            vec![self.session_value(), dc_id.into()],
        )
        .await?
        .map(decode)
        .transpose()
    }

    async fn load_all_dc_auth(&self) -> Result<Vec<DcAuth>> {
        self.all::<dc_auth::Model>(&self.inner.dc_auth.load_all, vec![self.session_value()])
            .await?
            .into_iter()
            .map(decode)
            .collect()
    }
}
