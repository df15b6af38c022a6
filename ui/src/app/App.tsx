import { FluentProvider, makeStaticStyles, makeStyles, tokens } from '@fluentui/react-components';
import { insideApp } from '../backend';
import { NotInAppScreen } from '../screens/NotInAppScreen';
import { Shell } from './Shell';
import { useOsTheme } from './useOsTheme';

// The provider gets no className of its own: Fluent copies it onto every portal (dialogs,
// menus), and a full-height background there would cover the window behind a dialog.
const useGlobalStyles = makeStaticStyles({
  'html, body, #root, #root > .fui-FluentProvider': { height: '100%', margin: 0 },
  body: { overflow: 'hidden' },
});

const useStyles = makeStyles({
  root: { height: '100%', backgroundColor: tokens.colorNeutralBackground1, color: tokens.colorNeutralForeground1 },
});

/** Theme follows the OS; outside the Mailferry app, a friendly explanation instead of errors. */
export function App() {
  useGlobalStyles();
  const styles = useStyles();
  const theme = useOsTheme();
  return (
    <FluentProvider theme={theme}>
      <div className={styles.root}>{insideApp() ? <Shell /> : <NotInAppScreen />}</div>
    </FluentProvider>
  );
}
