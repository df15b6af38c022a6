import { makeStyles, mergeClasses, tokens } from '@fluentui/react-components';
import { createFocusOutlineStyle } from '@fluentui/react-components';
import { Checkmark12Filled } from '@fluentui/react-icons';
import { STEPS, type StepId } from './wizardState';

const useStyles = makeStyles({
  nav: { width: '220px', flexShrink: 0, padding: '24px 16px', borderRight: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}` },
  list: { listStyle: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column' },
  item: { position: 'relative', paddingBottom: tokens.spacingVerticalL },
  // The thin line joining the step circles, like the admin center's wizard.
  connector: {
    position: 'absolute',
    left: '12px',
    top: '28px',
    bottom: '2px',
    width: '1px',
    backgroundColor: tokens.colorNeutralStroke1,
  },
  step: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalS,
    width: '100%',
    padding: '2px 4px 2px 0',
    background: 'none',
    border: 'none',
    textAlign: 'left',
    fontFamily: 'inherit',
    fontSize: tokens.fontSizeBase300,
    color: tokens.colorNeutralForeground2,
    borderRadius: tokens.borderRadiusMedium,
    cursor: 'pointer',
    ':disabled': { cursor: 'default', color: tokens.colorNeutralForegroundDisabled },
    ...createFocusOutlineStyle(),
  },
  current: { color: tokens.colorNeutralForeground1, fontWeight: tokens.fontWeightSemibold },
  circle: {
    width: '24px',
    height: '24px',
    boxSizing: 'border-box',
    flexShrink: 0,
    borderRadius: '50%',
    display: 'inline-flex',
    alignItems: 'center',
    justifyContent: 'center',
    fontSize: tokens.fontSizeBase200,
    border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke1}`,
    backgroundColor: tokens.colorNeutralBackground1,
  },
  circleCurrent: { border: `${tokens.strokeWidthThick} solid ${tokens.colorBrandStroke1}`, color: tokens.colorBrandForeground1 },
  hidden: {
    position: 'absolute',
    width: '1px',
    height: '1px',
    overflow: 'hidden',
    clip: 'rect(0 0 0 0)',
    whiteSpace: 'nowrap',
  },
  circleDone: { backgroundColor: tokens.colorBrandBackground, color: tokens.colorNeutralForegroundOnBrand, border: 'none' },
});

interface Props {
  current: StepId;
  onGo: (step: StepId) => void;
}

/**
 * The wizard's steps down the left. Earlier steps can be revisited; later ones are reached
 * only through Next, which checks the page first.
 */
export function Stepper({ current, onGo }: Props) {
  const styles = useStyles();
  const currentIndex = STEPS.findIndex((s) => s.id === current);
  return (
    <nav className={styles.nav} aria-label="Migration steps">
      <ol className={styles.list}>
        {STEPS.map((step, i) => {
          const isCurrent = i === currentIndex;
          const done = i < currentIndex;
          return (
            <li key={step.id} className={styles.item}>
              {i < STEPS.length - 1 ? <span className={styles.connector} aria-hidden /> : null}
              <button
                type="button"
                className={mergeClasses(styles.step, isCurrent && styles.current)}
                aria-current={isCurrent ? 'step' : undefined}
                disabled={i > currentIndex}
                onClick={() => onGo(step.id)}
              >
                <span
                  className={mergeClasses(styles.circle, isCurrent && styles.circleCurrent, done && styles.circleDone)}
                  aria-hidden
                >
                  {done ? <Checkmark12Filled /> : i + 1}
                </span>
                <span>
                  {step.title}
                  {done ? <span className={styles.hidden}> (done)</span> : null}
                </span>
              </button>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
