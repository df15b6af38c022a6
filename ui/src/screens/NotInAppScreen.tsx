import { makeStyles, Text, tokens } from '@fluentui/react-components';
import { MailArrowForwardRegular } from '@fluentui/react-icons';
import { NOT_IN_APP } from '../backend';

const useStyles = makeStyles({
  root: {
    minHeight: '100vh',
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    padding: tokens.spacingHorizontalXXL,
    boxSizing: 'border-box',
    backgroundColor: tokens.colorNeutralBackground2,
  },
  card: {
    maxWidth: '520px',
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalM,
    padding: tokens.spacingHorizontalXXL,
    borderRadius: tokens.borderRadiusXLarge,
    backgroundColor: tokens.colorNeutralBackground1,
    boxShadow: tokens.shadow8,
  },
  icon: { fontSize: '40px', color: tokens.colorBrandForeground1 },
  h1: { margin: 0, fontSize: tokens.fontSizeBase600, fontWeight: tokens.fontWeightSemibold },
});

/** Shown when the page is opened in a plain browser: nothing here works without the app. */
export function NotInAppScreen() {
  const styles = useStyles();
  return (
    <main className={styles.root}>
      <div className={styles.card}>
        <MailArrowForwardRegular className={styles.icon} aria-hidden />
        <h1 className={styles.h1}>Open Mailferry from its app</h1>
        <Text>
          This is Mailferry's window, opened in a web browser. Moving email needs the Mailferry app itself: it keeps
          your passwords in this computer's password store and talks to the mail servers.
        </Text>
        <Text>What to do: {NOT_IN_APP.hint}</Text>
      </div>
    </main>
  );
}
