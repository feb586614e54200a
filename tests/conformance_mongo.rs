//! The conformance suite against `MongoAdapter` on a MongoDB-wire server
//! (`MTGO_TEST_MONGODB_URL`, default `mongodb://127.0.0.1:27017`). Each
//! case has a database of its own, dropped when the case ends.

mod mongo_support;
mod purge_support;

mtgo_storage::conformance_tests!(mongo_support::adapter);
