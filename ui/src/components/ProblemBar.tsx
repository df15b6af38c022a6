import {
  makeStyles,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  tokens,
  type MessageBarIntent,
} from '@fluentui/react-components';
import type { ReactNode } from 'react';
import type { AppError } from '../backend';
import { wordProblem } from '../problemWords';

export { sentence } from '../problemWords';

const useStyles = makeStyles({
  details: { marginTop: tokens.spacingVerticalXS, color: tokens.colorNeutralForeground2 },
  summary: { cursor: 'pointer', width: 'fit-content' },
  technical: {
    margin: `${tokens.spacingVerticalXS} 0 0`,
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeBase200,
    whiteSpace: 'pre-wrap',
    overflowWrap: 'anywhere',
  },
});

interface Props {
  problem: AppError;
  intent?: MessageBarIntent;
  actions?: ReactNode;
}

/** An error as the owner reads it: what happened, what to do, and the technical text folded away. */
export function ProblemBar({ problem, intent = 'error', actions }: Props) {
  const styles = useStyles();
  const worded = wordProblem(problem);
  return (
    <MessageBar intent={intent} layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>{worded.title}</MessageBarTitle>
        {worded.fix ? <div>What to do: {worded.fix}</div> : null}
        {worded.details ? (
          <details className={styles.details}>
            <summary className={styles.summary}>Details</summary>
            <p className={styles.technical}>{worded.details}</p>
          </details>
        ) : null}
      </MessageBarBody>
      {actions ? <MessageBarActions>{actions}</MessageBarActions> : null}
    </MessageBar>
  );
}
