import {
  Button,
  Checkbox,
  Input,
  makeStyles,
  TableCell,
  TableRow,
  Text,
  tokens,
} from '@fluentui/react-components';
import { Delete20Regular } from '@fluentui/react-icons';
import { memo, type Dispatch } from 'react';
import type { SignedIn, TrustChoice } from '../backend';
import { isEmail } from '../servers';
import { credentialReady, type RowField, type SourceAuth, type UserRow, type WizardAction } from '../wizard/wizardState';
import { ConnectionResult } from './ConnectionResult';
import { PasswordField } from './PasswordField';
import { SignInButton } from './SignInButton';

const useStyles = makeStyles({
  cellInput: { width: '100%' },
  innerInput: { width: 0, flexGrow: 1 },
  problem: { color: tokens.colorPaletteRedForeground1, display: 'block', marginTop: '2px' },
  resultCell: { paddingBottom: tokens.spacingVerticalS },
  top: { verticalAlign: 'top', paddingTop: tokens.spacingVerticalXS, paddingBottom: tokens.spacingVerticalXS },
  first: { display: 'flex', alignItems: 'center' },
  // The small Test button centred on the row's 32 px inputs, not on their top edge.
  testCell: { display: 'flex', alignItems: 'center', minHeight: '32px' },
});

interface Props {
  row: UserRow;
  index: number;
  columns: number;
  /** Why the row cannot migrate yet, shown once the owner tried to go on, under its entry. */
  problem: string | null;
  /** The entry the problem is about. */
  problemField: RowField | null;
  passwordLabel: string;
  /** Password, or the provider each source mailbox signs in with. */
  auth: SourceAuth;
  clientId: string;
  tenant: string;
  dispatch: Dispatch<WizardAction>;
  onEmailCommitted: (row: UserRow) => void;
  onStorePassword: (row: UserRow, password: string) => Promise<void>;
  onTest: (row: UserRow) => void;
  /** Trusts the certificate a test refused (checked by the owner), then tests the row again. */
  onTrust?: (row: UserRow, choice: TrustChoice) => Promise<void>;
  onRemove: (row: UserRow, index: number) => void;
}

/**
 * One mailbox of the users table. Memoized: typing in one row re-renders only that row, which
 * matters with a hundred rows imported from a CSV.
 */
export const UserRowEditor = memo(function UserRowEditor({
  row,
  index,
  columns,
  problem,
  problemField,
  passwordLabel,
  auth,
  clientId,
  tenant,
  dispatch,
  onEmailCommitted,
  onStorePassword,
  onTest,
  onTrust,
  onRemove,
}: Props) {
  const styles = useStyles();
  const who = row.emailAddress.trim() || `row ${index + 1}`;
  const testing = row.test.state === 'testing';
  const canTest = credentialReady(row, auth) && row.userName.trim() !== '' && isEmail(row.emailAddress);
  const problemId = `row-${row.id}-problem`;
  const problemAt = (field: RowField) => (problem && problemField === field ? problem : null);
  const note = (field: RowField) =>
    problemAt(field) ? (
      <Text id={problemId} size={200} className={styles.problem}>
        {problem}
      </Text>
    ) : null;
  const invalid = (field: RowField) =>
    problemAt(field) ? { 'aria-invalid': true as const, 'aria-describedby': problemId } : {};
  return (
    <>
      <TableRow>
        <TableCell className={styles.top}>
          {/* Remove sits before the row's fields, not after its password: Tab then Enter out
              of the password must never land on it. */}
          <div className={styles.first}>
            <Checkbox
              checked={row.selected}
              aria-label={`Migrate ${who}`}
              onChange={(_, d) => dispatch({ type: 'selectUser', id: row.id, selected: d.checked === true })}
            />
            <Button
              size="small"
              appearance="subtle"
              icon={<Delete20Regular />}
              aria-label={`Remove ${who}`}
              title="Remove this user (can be undone)"
              onClick={() => onRemove(row, index)}
            />
          </div>
        </TableCell>
        <TableCell className={styles.top}>
          <Input
            className={styles.cellInput}
            input={{ className: styles.innerInput }}
            aria-label={`Destination mailbox, ${who}`}
            {...invalid('mailbox')}
            type="email"
            placeholder="name@company.com"
            spellCheck={false}
            value={row.emailAddress}
            onChange={(_, d) => dispatch({ type: 'updateUser', id: row.id, patch: { emailAddress: d.value } })}
            onBlur={() => onEmailCommitted(row)}
          />
          {note('mailbox')}
        </TableCell>
        <TableCell className={styles.top}>
          <Input
            className={styles.cellInput}
            input={{ className: styles.innerInput }}
            aria-label={`Source email or user name, ${who}`}
            {...invalid('source')}
            spellCheck={false}
            value={row.userName}
            onChange={(_, d) => dispatch({ type: 'updateUser', id: row.id, patch: { userName: d.value } })}
          />
          {note('source')}
        </TableCell>
        <TableCell className={styles.top}>
          {auth === 'password' ? (
            <PasswordField
              label={`${passwordLabel} for ${who}`}
              hideLabel
              placeholder={passwordLabel}
              stored={row.passwordStored}
              disabled={!isEmail(row.emailAddress)}
              disabledReason="Enter the mailbox first"
              problem={problemAt('password')}
              onStore={(password) => onStorePassword(row, password)}
            />
          ) : (
            <SignInButton
              provider={auth}
              clientId={clientId}
              tenant={tenant}
              loginHint={row.userName}
              size="small"
              who={who}
              signedIn={row.signedIn}
              onChange={(signedIn: SignedIn | null) => dispatch({ type: 'userSignedIn', id: row.id, signedIn })}
            />
          )}
          {auth === 'password' ? null : note('password')}
        </TableCell>
        <TableCell className={styles.top}>
          <div className={styles.testCell}>
            <Button size="small" disabled={!canTest || testing} aria-label={`Test connection for ${who}`} onClick={() => onTest(row)}>
              {testing ? 'Testing…' : 'Test'}
            </Button>
          </div>
        </TableCell>
      </TableRow>
      {row.test.state === 'ok' || row.test.state === 'error' ? (
        <TableRow>
          <TableCell colSpan={columns} className={styles.resultCell}>
            <ConnectionResult test={row.test} onTrust={onTrust ? (choice) => onTrust(row, choice) : undefined} />
          </TableCell>
        </TableRow>
      ) : null}
    </>
  );
});
