import { Button, makeStyles, mergeClasses, Spinner, Text, tokens } from '@fluentui/react-components';
import { Globe16Regular } from '@fluentui/react-icons';
import { wordProblem } from '../../problemWords';
import { stageLine, type StageTone } from './domainView';
import { useDomainCheck } from './useDomainCheck';

const useStyles = makeStyles({
  root: {
    display: 'flex',
    alignItems: 'flex-start',
    gap: tokens.spacingHorizontalS,
    color: tokens.colorNeutralForeground2,
  },
  // The domains wrap among themselves, so a second line starts under the first domain, not
  // under the globe.
  list: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'baseline',
    columnGap: tokens.spacingHorizontalL,
    rowGap: tokens.spacingVerticalXS,
    flex: '1 1 auto',
    minWidth: 0,
    margin: 0,
    padding: 0,
    listStyleType: 'none',
  },
  item: { display: 'inline-flex', alignItems: 'baseline', gap: tokens.spacingHorizontalXS, minWidth: 0 },
  icon: { flexShrink: 0, marginTop: '2px' },
  open: { flexShrink: 0 },
  domain: { fontWeight: tokens.fontWeightSemibold, color: tokens.colorNeutralForeground1 },
  success: { color: tokens.colorPaletteGreenForeground1 },
  warning: { color: tokens.colorPaletteDarkOrangeForeground1 },
  danger: { color: tokens.colorPaletteRedForeground1 },
  neutral: {},
});

/**
 * The batch's domains in one line each, beside its mailboxes: where their mail goes now and
 * when completing is safe. Asked when the page opens, then every minute while the batch runs
 * (its incremental passes go on through the switch); nothing is asked once the page closes.
 */
export function DomainStrip({ batch, running, onOpen }: { batch: string; running: boolean; onOpen: () => void }) {
  const styles = useStyles();
  const { result, problem, checking, now } = useDomainCheck(batch, running);
  const tone: Record<StageTone, string> = {
    success: styles.success,
    warning: styles.warning,
    danger: styles.danger,
    neutral: styles.neutral,
  };
  if (!result && !problem) {
    return checking ? <Spinner size="extra-tiny" label="Checking your domains in DNS…" labelPosition="after" /> : null;
  }
  if (!result) {
    return (
      <div className={styles.root} role="region" aria-label="Your domains">
        <Text>Your domains could not be checked: {problem ? wordProblem(problem).title : ''}</Text>
      </div>
    );
  }
  if (result.domains.length === 0) return null;
  return (
    <div className={styles.root} role="region" aria-label="Your domains">
      <Globe16Regular className={styles.icon} aria-hidden />
      <ul className={styles.list} aria-label="Domains">
        {result.domains.map((d) => {
          const line = stageLine(d, now);
          return (
            <li key={d.domain} className={styles.item}>
              <Text>
                <span className={styles.domain}>{d.domain}</span> —{' '}
                <span className={mergeClasses(tone[line.tone])}>{line.text}</span>
              </Text>
            </li>
          );
        })}
      </ul>
      <Button className={styles.open} appearance="transparent" size="small" onClick={onOpen}>
        What to change
      </Button>
    </div>
  );
}
