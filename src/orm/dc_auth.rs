//! [`DcAuthStore`] on `mtgo_dc_auth`.

use super::statement::{find_by, find_by_primary_key, row_values, text, upsert_all};
use super::{OrmAdapter, port};
use crate::error::Result;
use crate::store::DcAuthStore;
use crate::{AuthKey, DcAuth};
use async_trait::async_trait;
use mtgo_storage_entity::dc_auth::{Column, Entity, Model};
use sea_orm::{DbBackend, QueryOrder, QueryTrait, Statement};

/// The statements of this table, in one backend's dialect.
pub(super) struct Sql {
    save: String,
    load: String,
    load_all: String,
}

impl Sql {
    pub(super) fn new(backend: DbBackend) -> Self {
        Self {
            save: text(backend, &upsert_all::<Entity>()),
            load: text(backend, &find_by_primary_key::<Entity>().into_query()),
            load_all: text(
                backend,
                &find_by::<Entity>(&[Column::SessionName])
                    .order_by_asc(Column::DcId)
                    .into_query(),
            ),
        }
    }
}

fn decode(m: Model) -> Result<DcAuth> {
    Ok(DcAuth {
        dc_id: m.dc_id,
        auth_key: AuthKey::new(m.auth_key),
        server_salt: m.server_salt,
        port: port(m.port, "dc auth port")?,
        server_addr: m.server_addr,
        ipv6_addr: m.ipv6_addr,
        ipv6_port: port(m.ipv6_port, "dc auth IPv6 port")?,
    })
}

fn encode(session_name: &str, e: &DcAuth) -> Model {
    Model {
        session_name: session_name.to_owned(),
        dc_id: e.dc_id,
        auth_key: e.auth_key.as_bytes().to_vec(),
        server_salt: e.server_salt,
        port: i32::from(e.port),
        server_addr: e.server_addr.clone(),
        ipv6_addr: e.ipv6_addr.clone(),
        ipv6_port: i32::from(e.ipv6_port),
    }
}

impl OrmAdapter {
    /// The upsert of the DC auth row `e`.
    pub(super) fn save_dc_auth_statement(&self, e: &DcAuth) -> Statement {
        let values = row_values::<Entity, _>(encode(&self.name, e));
        self.stmt(&self.inner.dc_auth.save, values)
    }
}

#[async_trait]
impl DcAuthStore for OrmAdapter {
    async fn save_dc_auth(&self, e: &DcAuth) -> Result<()> {
        self.run(self.save_dc_auth_statement(e)).await?;
        Ok(())
    }

    async fn load_dc_auth(&self, dc_id: i32) -> Result<Option<DcAuth>> {
        self.one::<Model>(
            &self.inner.dc_auth.load,
            vec![self.session_value(), dc_id.into()],
        )
        .await?
        .map(decode)
        .transpose()
    }

    async fn load_all_dc_auth(&self) -> Result<Vec<DcAuth>> {
        self.all::<Model>(&self.inner.dc_auth.load_all, vec![self.session_value()])
            .await?
            .into_iter()
            .map(decode)
            .collect()
    }
}
