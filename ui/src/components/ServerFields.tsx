import {
  Checkbox,
  Field,
  Input,
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Radio,
  RadioGroup,
  tokens,
} from '@fluentui/react-components';
import { DEFAULT_PORTS, SECURITY_LABELS, type Security, type ServerForm, type ServerFormErrors } from '../servers';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, maxWidth: '560px' },
  row: { display: 'grid', gridTemplateColumns: 'minmax(0, 1fr) 120px', gap: tokens.spacingHorizontalM, alignItems: 'start' },
  field: { minWidth: 0 },
  innerInput: { width: 0, flexGrow: 1 },
});

interface Props {
  /** Prefix for accessible names when two server forms could be confused ("Source", "Destination"). */
  what: string;
  value: ServerForm;
  errors: ServerFormErrors;
  showErrors: boolean;
  onChange: (patch: Partial<ServerForm>) => void;
  /** Sign-in without encryption must be accepted explicitly; omitted where not offered. */
  allowInsecure?: boolean;
  onAllowInsecure?: (value: boolean) => void;
}

/** Server, port and security for a typed-in IMAP server, with the port following the security. */
export function ServerFields({ what, value, errors, showErrors, onChange, allowInsecure, onAllowInsecure }: Props) {
  const styles = useStyles();
  const setSecurity = (security: Security) => {
    // Keep a port the owner typed; replace one that was just the previous default.
    const wasDefault = Object.values(DEFAULT_PORTS).map(String).includes(value.port.trim()) || value.port.trim() === '';
    onChange(wasDefault ? { security, port: String(DEFAULT_PORTS[security]) } : { security });
  };
  return (
    <div className={styles.root}>
      <div className={styles.row}>
        <Field
          label={`${what} IMAP server`}
          required
          hint={showErrors && errors.host ? undefined : 'For example imap.example.com'}
          validationMessage={showErrors ? errors.host : undefined}
        >
          <Input
            input={{ className: styles.innerInput }}
            value={value.host}
            spellCheck={false}
            onChange={(_, d) => onChange({ host: d.value })}
          />
        </Field>
        <Field className={styles.field} label="Port" required validationMessage={showErrors ? errors.port : undefined}>
          <Input
            input={{ className: styles.innerInput }}
            value={value.port}
            inputMode="numeric"
            aria-label={`${what} port`}
            onChange={(_, d) => onChange({ port: d.value })}
          />
        </Field>
      </div>
      <Field label={`${what} security`}>
        <RadioGroup layout="horizontal" value={value.security} onChange={(_, d) => setSecurity(d.value as Security)}>
          {(Object.keys(SECURITY_LABELS) as Security[]).map((s) => (
            <Radio key={s} value={s} label={SECURITY_LABELS[s]} />
          ))}
        </RadioGroup>
      </Field>
      {value.security === 'none' ? (
        <MessageBar intent="warning" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>Passwords and email would cross the network unencrypted</MessageBarTitle>
            <div>
              Anyone on the network between this computer and the server could read them. Use this only for a server
              on your own local network that offers no encryption at all.
            </div>
            {onAllowInsecure ? (
              <Field
                validationMessage={
                  showErrors && !allowInsecure
                    ? 'Tick "I understand" to sign in without encryption, or choose SSL/TLS or STARTTLS.'
                    : undefined
                }
              >
                <Checkbox
                  checked={allowInsecure ?? false}
                  onChange={(_, d) => onAllowInsecure(d.checked === true)}
                  label="I understand: sign in without encryption"
                />
              </Field>
            ) : null}
          </MessageBarBody>
        </MessageBar>
      ) : null}
    </div>
  );
}
