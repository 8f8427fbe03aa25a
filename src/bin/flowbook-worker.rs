//! Entry point of the training worker (a web worker started by the page, see
//! src/services/train_worker/): trains off the page's thread so that the page stays responsive.

fn main() {
    console_error_panic_hook::set_once();
    flowbook::services::train_worker::serve::serve();
}
