//! `AuthKey` and the encryption wrapper's key material are zeroed when
//! dropped. A global allocator of this test binary looks at every block
//! freed while a test watches and counts those still holding a run of the
//! marker byte: a dropped secret must leave none. (Keys are made with
//! `from_slice` from a constant: `EncryptionKey::new` takes its array by
//! value, and the compiler's stack copies of it can end up in the unused
//! bytes of other heap values, which no drop can reach.)
#![allow(unsafe_code)]

use mtgo_storage::encryption::KdfParams;
use mtgo_storage::{
    AuthKey, DcAuth, EncryptedAdapter, EncryptionKey, Keyring, MemoryAdapter, Session,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

const MARK: u8 = 0xA5;
/// The run of marker bytes that counts as a secret left behind.
const RUN: usize = 32;

struct Watching;

thread_local! {
    static WATCH: Cell<bool> = const { Cell::new(false) };
    static FOUND: Cell<usize> = const { Cell::new(0) };
}

fn has_run(bytes: &[u8]) -> bool {
    let mut run = 0;
    for &b in bytes {
        run = if b == MARK { run + 1 } else { 0 };
        if run >= RUN {
            return true;
        }
    }
    false
}

// SAFETY: forwards to `System`; `dealloc` reads the block before freeing it,
// while it is still allocated and `layout.size()` bytes long.
unsafe impl GlobalAlloc for Watching {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if WATCH.try_with(Cell::get).unwrap_or(false) {
            let bytes = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            if has_run(bytes) {
                let _ = FOUND.try_with(|f| f.set(f.get() + 1));
            }
        }
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Watching = Watching;

/// How many freed blocks still held the marker while `drop_it` ran.
fn freed_with_secret(drop_it: impl FnOnce()) -> usize {
    FOUND.with(|f| f.set(0));
    WATCH.with(|w| w.set(true));
    drop_it();
    WATCH.with(|w| w.set(false));
    FOUND.with(Cell::get)
}

#[test]
fn the_detector_sees_a_plain_vec() {
    let v = vec![MARK; 256];
    assert_eq!(freed_with_secret(|| drop(v)), 1);
}

#[test]
fn an_auth_key_is_zeroed_when_dropped() {
    let key = AuthKey::new(vec![MARK; 256]);
    assert_eq!(freed_with_secret(|| drop(key)), 0);
    let clone_source = AuthKey::new(vec![MARK; 256]);
    let clone = clone_source.clone();
    assert_eq!(freed_with_secret(|| drop((clone_source, clone))), 0);
}

#[test]
fn sessions_and_dc_entries_zero_their_keys() {
    let session = Session {
        auth_key: Some(AuthKey::new(vec![MARK; 256])),
        ..Default::default()
    };
    let entry = DcAuth {
        dc_id: 2,
        auth_key: AuthKey::new(vec![MARK; 256]),
        ..Default::default()
    };
    assert_eq!(freed_with_secret(|| drop((session, entry))), 0);
}

#[test]
fn encryption_keys_and_keyrings_are_zeroed_when_dropped() {
    let boxed = Box::new(EncryptionKey::new("k", [MARK; 32]).unwrap());
    assert_eq!(freed_with_secret(|| drop(boxed)), 0);
    let ring = Keyring::new(EncryptionKey::from_slice("a", &[MARK; 32]).unwrap())
        .with_key(EncryptionKey::from_slice("b", &[MARK; 32]).unwrap())
        .unwrap();
    assert_eq!(freed_with_secret(|| drop(ring)), 0);
    let adapter = EncryptedAdapter::new(
        MemoryAdapter::new(),
        Keyring::new(EncryptionKey::from_slice("c", &[MARK; 32]).unwrap()),
    );
    assert_eq!(freed_with_secret(|| drop(adapter)), 0);
}

#[test]
fn passphrases_are_zeroed_when_dropped() {
    let passphrase = [MARK; 48];
    let key = EncryptionKey::from_passphrase("p", &passphrase, KdfParams::new(64, 1, 1).unwrap())
        .unwrap();
    assert_eq!(freed_with_secret(|| drop(key)), 0);
}

#[test]
fn key_types_declare_zeroize_on_drop() {
    fn zeroizes<T: zeroize::ZeroizeOnDrop>() {}
    zeroizes::<AuthKey>();
    zeroizes::<EncryptionKey>();
    zeroizes::<Keyring>();
}
