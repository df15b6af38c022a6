import { Badge, makeStyles, mergeClasses, MessageBar, MessageBarBody, Text, tokens, type BadgeProps } from '@fluentui/react-components';
import { CheckmarkCircle20Filled, Circle20Regular, QuestionCircle20Regular } from '@fluentui/react-icons';
import type { DomainReport } from '../../backend';
import { ProblemBar } from '../ProblemBar';
import { CopyValue } from './CopyValue';
import { countdown, recordViews, stageView, ttlAdvice, type Indicator, type RecordView, type StageTone } from './domainView';
import { outlinedPanel } from '../panel';

const useStyles = makeStyles({
  root: outlinedPanel,
  head: { display: 'flex', alignItems: 'center', flexWrap: 'wrap', gap: tokens.spacingHorizontalM },
  h2: { margin: 0, fontSize: tokens.fontSizeBase400, fontWeight: tokens.fontWeightSemibold },
  records: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  record: {
    display: 'grid',
    gridTemplateColumns: '24px minmax(0, 1fr)',
    columnGap: tokens.spacingHorizontalS,
    rowGap: tokens.spacingVerticalXS,
    padding: `${tokens.spacingVerticalS} 0`,
    borderTop: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke3}`,
    '& > :not(:first-child)': { gridColumn: 2 },
  },
  icon: { gridRow: '1 / span 5', paddingTop: '1px' },
  ok: { color: tokens.colorPaletteGreenForeground1 },
  waiting: { color: tokens.colorNeutralForeground3 },
  unknown: { color: tokens.colorNeutralForeground3 },
  recordHead: { display: 'flex', flexWrap: 'wrap', alignItems: 'baseline', gap: tokens.spacingHorizontalS },
  h3: { margin: 0, fontSize: tokens.fontSizeBase300, fontWeight: tokens.fontWeightSemibold },
  stateOk: { color: tokens.colorPaletteGreenForeground1, fontWeight: tokens.fontWeightSemibold },
  stateOther: { color: tokens.colorNeutralForeground2 },
  fields: { color: tokens.colorNeutralForeground2 },
  now: { color: tokens.colorNeutralForeground2, overflowWrap: 'anywhere' },
});

const TONE_BADGE: Record<StageTone, BadgeProps['color']> = {
  neutral: 'informative',
  warning: 'warning',
  success: 'success',
  danger: 'danger',
};

const INDICATOR_WORDS: Record<Indicator, string> = {
  ok: 'Right in DNS',
  waiting: 'Not yet in DNS',
  unknown: 'Not checked',
};

/** One domain: where its mail goes, what to set at the DNS host, and the 72-hour wait. */
export function DomainCard({ report, now }: { report: DomainReport; now: number }) {
  const styles = useStyles();
  const stage = stageView(report);
  const ttl = ttlAdvice(report);
  const wait = countdown(report, now);
  const headingId = `domain-${report.domain}`;
  const checked = !report.error && report.stage !== null;
  return (
    <section className={styles.root} aria-labelledby={headingId}>
      <div className={styles.head}>
        <h2 id={headingId} className={styles.h2}>
          {report.domain}
        </h2>
        <Badge appearance="tint" color={TONE_BADGE[stage.tone]}>
          {stage.label}
        </Badge>
      </div>
      <Text>{stage.sentence}</Text>
      {report.error ? <ProblemBar problem={report.error} intent="warning" /> : null}
      {ttl ? (
        <MessageBar intent={ttl.ok ? 'success' : 'warning'} layout="multiline">
          <MessageBarBody>{ttl.text}</MessageBarBody>
        </MessageBar>
      ) : null}
      {wait ? (
        <MessageBar intent={wait.done ? 'success' : 'info'} layout="multiline">
          <MessageBarBody>{wait.text}</MessageBarBody>
        </MessageBar>
      ) : null}
      {checked && !report.exists ? null : (
        <div className={styles.records}>
          {recordViews(report).map((record) => (
            <RecordRow key={record.key} domain={report.domain} record={record} />
          ))}
        </div>
      )}
    </section>
  );
}

function RecordRow({ domain, record }: { domain: string; record: RecordView }) {
  const styles = useStyles();
  const headingId = `record-${domain}-${record.key}`;
  const Icon = record.indicator === 'ok' ? CheckmarkCircle20Filled : record.indicator === 'waiting' ? Circle20Regular : QuestionCircle20Regular;
  return (
    <section className={styles.record} aria-labelledby={headingId} data-indicator={record.indicator}>
      <Icon className={mergeClasses(styles.icon, styles[record.indicator])} aria-hidden />
      <div className={styles.recordHead}>
        <h3 id={headingId} className={styles.h3}>
          {record.label}
        </h3>
        <Text role="status" className={record.indicator === 'ok' ? styles.stateOk : styles.stateOther}>
          {INDICATOR_WORDS[record.indicator]}
        </Text>
      </div>
      <Text className={styles.fields}>
        Type {record.type} · Name {record.name}
        {record.name === '@' ? ` (${domain} itself)` : ''}
        {record.extra ? ` · ${record.extra}` : ''}
      </Text>
      <CopyValue value={record.value} label={`${record.label} value`} />
      <Text>{record.instruction}</Text>
      <Text className={styles.now} size={200}>
        DNS shows now: {record.now.join('; ')}
      </Text>
    </section>
  );
}
