//! Whether a tray icon can be seen, and so what "keep running in the background" can mean.
//!
//! Windows and macOS always show the app's icon. On Linux the icon is a StatusNotifier item,
//! shown only when a StatusNotifier host runs (KDE, most other desktops, GNOME only with an
//! extension): without one, a hidden window could never be found again.

/// Where the window goes when the owner keeps migrations running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Background {
    /// Hidden; the tray icon brings it back.
    Tray,
    /// Minimised to the task bar or dock; opening Mailferry again brings it back.
    Minimised,
}

pub fn background(tray_visible: bool) -> Background {
    if tray_visible {
        Background::Tray
    } else {
        Background::Minimised
    }
}

/// The D-Bus name every StatusNotifier host registers its watcher under.
#[cfg(target_os = "linux")]
pub const WATCHER_NAME: &str = "org.kde.StatusNotifierWatcher";

#[cfg(target_os = "linux")]
pub fn tray_visible() -> bool {
    dbus::blocking::Connection::new_session()
        .map(|bus| watcher_present(&bus))
        .unwrap_or(false)
}

#[cfg(not(target_os = "linux"))]
pub fn tray_visible() -> bool {
    true
}

#[cfg(target_os = "linux")]
pub fn watcher_present(bus: &dbus::blocking::Connection) -> bool {
    let proxy = bus.with_proxy(
        "org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        std::time::Duration::from_secs(2),
    );
    let answer: Result<(bool,), dbus::Error> =
        proxy.method_call("org.freedesktop.DBus", "NameHasOwner", (WATCHER_NAME,));
    answer.map(|(owned,)| owned).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hidden_window_needs_a_visible_tray() {
        assert_eq!(background(true), Background::Tray);
        assert_eq!(background(false), Background::Minimised);
    }

    /// Against a real, private D-Bus session bus: no host, then a host owning the watcher name.
    #[cfg(target_os = "linux")]
    #[test]
    fn the_tray_counts_as_visible_only_while_a_host_owns_the_watcher_name() {
        use std::io::BufRead;
        // The distribution's own session-bus configuration, on a fresh private bus.
        let mut daemon = std::process::Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("dbus-daemon is installed (dbus-daemon package)");
        let mut address = String::new();
        std::io::BufReader::new(daemon.stdout.take().expect("stdout"))
            .read_line(&mut address)
            .expect("the bus prints its address");
        let connect = || {
            let mut channel =
                dbus::channel::Channel::open_private(address.trim()).expect("connect to the bus");
            channel.register().expect("register on the bus");
            dbus::blocking::Connection::from(channel)
        };
        let app = connect();
        assert!(!watcher_present(&app), "no host on a fresh bus");
        let host = connect();
        host.request_name(WATCHER_NAME, false, false, true)
            .expect("own the watcher name");
        assert!(watcher_present(&app), "a host owns the watcher name");
        drop(host);
        let _ = daemon.kill();
        let _ = daemon.wait();
    }
}
