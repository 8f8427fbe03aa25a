//! News between this site's tabs: a tab that saved a change says which store changed (and
//! which record), and the other tabs read that record again, so what one tab registers or
//! records shows in the others without a reload. A `BroadcastChannel` reaches every other
//! tab of the same origin, never the sender.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{BroadcastChannel, MessageEvent};

const CHANNEL: &str = "flowbook.stores";

/// A saved change, as the other tabs hear it: the store's name and, for the runs store,
/// the run's client id.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreNews {
    pub store: String,
    pub key: String,
}

/// Tells the other tabs that `store`'s record `key` changed. A browser without
/// `BroadcastChannel` has no other tabs to tell.
pub fn announce(store: &str, key: &str) {
    if let Ok(channel) = BroadcastChannel::new(CHANNEL) {
        let _ = channel.post_message(&JsValue::from_str(&format!("{store}\n{key}")));
        channel.close();
    }
}

/// Calls `heard` with every change another tab announces, for as long as the page lives.
pub fn listen(heard: impl Fn(StoreNews) + 'static) {
    let Ok(channel) = BroadcastChannel::new(CHANNEL) else {
        return;
    };
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        let Some(text) = event.data().as_string() else {
            return;
        };
        let (store, key) = text.split_once('\n').unwrap_or((&text, ""));
        heard(StoreNews {
            store: store.to_string(),
            key: key.to_string(),
        });
    });
    channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The page listens until it closes: the closure and the channel live as long.
    on_message.forget();
    std::mem::forget(channel);
}
