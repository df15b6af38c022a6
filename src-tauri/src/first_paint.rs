//! The window's colour until the page paints. WebKitGTK shows a black window until the web
//! view's first frame; painted in the page's own background instead, opening the app shows
//! no black flash in a light or a dark desktop. The page sets the same colours in
//! ui/index.html for the moment between its first frame and the app's first render.

use tauri::window::Color;
use tauri::{Manager, Runtime, Theme};

/// Fluent UI's `colorNeutralBackground1` in the web light and dark themes: the colour of the
/// page the window shows once it has painted (checked against the theme by
/// ui/src/test/firstPaint.test.ts).
pub fn page_background(theme: Theme) -> Color {
    match theme {
        Theme::Dark => Color(0x29, 0x29, 0x29, 0xff),
        _ => Color(0xff, 0xff, 0xff, 0xff),
    }
}

/// Paints the main window in the colour its page will have, following the desktop's theme.
pub fn paint_before_page<R: Runtime>(app: &tauri::AppHandle<R>) {
    let Some(window) = app.get_webview_window("main") else {
        return;
    };
    let theme = window.theme().unwrap_or(Theme::Light);
    // Only looks: a platform that cannot set it keeps its default.
    let _ = window.set_background_color(Some(page_background(theme)));
}
