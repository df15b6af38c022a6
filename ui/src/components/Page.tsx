import { makeStyles, Text, tokens } from '@fluentui/react-components';
import type { ReactNode } from 'react';

const useStyles = makeStyles({
  root: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalL,
    padding: '24px 32px 24px',
    minWidth: 0,
    minHeight: '100%',
    boxSizing: 'border-box',
  },
  header: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS },
  title: { margin: 0, fontSize: tokens.fontSizeBase600, lineHeight: tokens.lineHeightBase600, fontWeight: tokens.fontWeightSemibold, outlineStyle: 'none' },
  description: { color: tokens.colorNeutralForeground2, maxWidth: '760px' },
});

/** A page heading (the one h1 of the view) and its lead text. */
interface Props {
  title: string;
  description?: ReactNode;
  /** Shown above the title, like the admin center's breadcrumb. */
  before?: ReactNode;
  children: ReactNode;
}

export function Page({ title, description, before, children }: Props) {
  const styles = useStyles();
  return (
    <div className={styles.root}>
      <div className={styles.header}>
        {before}
        <h1 className={styles.title} tabIndex={-1}>
          {title}
        </h1>
        {description ? <Text className={styles.description}>{description}</Text> : null}
      </div>
      {children}
    </div>
  );
}
