//! `#[observed]`, the attribute that mtgo-storage puts on each of its store
//! implementations (`impl PeerStore for OrmAdapter { ... }` and so on).
//!
//! It is an implementation detail of mtgo-storage: the generated code names
//! `crate::observe`, which only that crate has.
//!
//! Every `async fn` of the impl block keeps its signature and its body; the
//! body is run inside `crate::observe::Op`, which opens a debug-level
//! `tracing` span named after the method (fields `backend`, `operation`,
//! `session`, `count`, `outcome`), logs a failure once at warn, and, with
//! mtgo-storage's `metrics` feature, counts the operation and times it.
//! Methods that are not `async` are left alone, and so are the private
//! methods of an inherent impl (helpers, not operations). The `count` is the length of
//! the first slice argument (`peers: &[Peer]`) when there is one, otherwise
//! what the result holds (rows returned, rows removed).

use proc_macro::TokenStream;
use quote::{format_ident, quote};
use syn::spanned::Spanned;
use syn::{FnArg, ImplItem, ItemImpl, Pat, ReturnType, Type, parse_macro_input};

/// Wraps every `async fn` of an impl block in `crate::observe::Op` (see the
/// crate docs). Put it above `#[async_trait]`.
#[proc_macro_attribute]
pub fn observed(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        let attr = proc_macro2::TokenStream::from(attr);
        return syn::Error::new(attr.span(), "#[observed] takes no arguments")
            .to_compile_error()
            .into();
    }
    let mut block = parse_macro_input!(item as ItemImpl);
    let trait_impl = block.trait_.is_some();
    for item in &mut block.items {
        let ImplItem::Fn(method) = item else { continue };
        let public = matches!(method.vis, syn::Visibility::Public(_));
        if method.sig.asyncness.is_none() || !(trait_impl || public) {
            continue;
        }
        let name = method.sig.ident.to_string();
        let ret = match &method.sig.output {
            ReturnType::Type(_, ty) => quote!(#ty),
            ReturnType::Default => quote!(()),
        };
        let count = slice_argument(&method.sig.inputs).map_or_else(
            || quote!(::core::option::Option::None),
            |arg| quote!(::core::option::Option::Some(#arg.len() as u64)),
        );
        let body = &method.block;
        let span = method.block.span();
        let op = format_ident!("__mtgo_op");
        method.block = syn::parse_quote_spanned! {span=> {
            let #op = crate::observe::Op::new(
                ::tracing::debug_span!(
                    #name,
                    backend = crate::observe::Observe::observe_backend(self),
                    operation = #name,
                    session = crate::observe::Observe::observe_session(self),
                    count = ::tracing::field::Empty,
                    outcome = ::tracing::field::Empty,
                ),
                crate::observe::Observe::observe_backend(self),
                crate::observe::Observe::observe_session(self),
                #name,
                #count,
            );
            #op.run(async move {
                let __mtgo_ret: #ret = #body;
                __mtgo_ret
            })
            .await
        }};
    }
    quote!(#block).into()
}

/// The first argument whose type is a slice reference (`&[T]`), by name.
fn slice_argument(
    inputs: &syn::punctuated::Punctuated<FnArg, syn::token::Comma>,
) -> Option<syn::Ident> {
    inputs.iter().find_map(|arg| {
        let FnArg::Typed(arg) = arg else { return None };
        let Type::Reference(reference) = &*arg.ty else {
            return None;
        };
        let Type::Slice(slice) = &*reference.elem else {
            return None;
        };
        // Bytes (`&[u8]`: a session's state) are one value, not rows.
        if matches!(&*slice.elem, Type::Path(p) if p.path.is_ident("u8")) {
            return None;
        }
        match &*arg.pat {
            Pat::Ident(ident) => Some(ident.ident.clone()),
            _ => None,
        }
    })
}
