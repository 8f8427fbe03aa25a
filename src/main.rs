//! Entry point of the browser app: install the panic hooks, mount the notebook.

fn main() {
    flowbook::panic::install_panic_hook();
    leptos::mount::mount_to_body(flowbook::app::App);
}
