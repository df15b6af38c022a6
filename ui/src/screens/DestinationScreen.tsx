import {
  Button,
  Field,
  Input,
  makeStyles,
  MessageBar,
  MessageBarBody,
  Radio,
  RadioGroup,
  Text,
  tokens,
} from '@fluentui/react-components';
import { useState } from 'react';
import { storeAdminPassword, testConnection, toProblem } from '../backend';
import { usePresets } from '../app/presets';
import { useSignInSettings } from '../app/signInSettings';
import { AppSignIn } from '../components/AppSignIn';
import { ClientIdField } from '../components/ClientIdField';
import { ConnectMicrosoft365 } from '../components/ConnectMicrosoft365';
import { ConnectionResult } from '../components/ConnectionResult';
import { Page } from '../components/Page';
import { PasswordField } from '../components/PasswordField';
import { Section } from '../components/Section';
import { ServerFields } from '../components/ServerFields';
import { SignInButton } from '../components/SignInButton';
import { MailServerLogo, MicrosoftLogo } from '../components/logos/providerLogo';
import { Tile } from '../components/Tile';
import { formSpec, isEmail, validateServer } from '../servers';
import { useWizard } from '../wizard/WizardContext';
import { useWizardTrust } from '../wizard/useWizardTrust';
import { WizardFooter } from '../wizard/WizardFooter';
import { batchNameOf, batchOptions, destinationSpec } from '../wizard/wizardState';

const useStyles = makeStyles({
  tiles: { display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(220px, 300px))', gap: tokens.spacingHorizontalM },
  fields: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, maxWidth: '560px' },
  testRow: { display: 'flex', alignItems: 'flex-end', gap: tokens.spacingHorizontalS },
  grow: { flexGrow: 1 },
});

/**
 * Step 3: where the mail goes. Microsoft 365: an admin with Full Access to every mailbox signs
 * in with Microsoft once. Another IMAP server: one admin account opens every mailbox.
 */
export function DestinationScreen() {
  const styles = useStyles();
  const presets = usePresets();
  // A distributed build with its own app registration: nothing to set up.
  const builtIn = useSignInSettings().microsoft_built_in;
  const { state, dispatch } = useWizard();
  const [showErrors, setShowErrors] = useState(false);
  const batch = batchNameOf(state);
  const serverErrors = validateServer(state.destinationServer);
  const adminProblem = !state.destinationAdmin.trim() ? 'Enter the admin account.' : undefined;
  const passwordProblem = !state.adminPasswordStored ? "Enter the admin account's password." : undefined;
  const serverOk = Object.keys(serverErrors).length === 0;
  const m365 = state.destinationKind === 'microsoft365';
  const signInProblem = !state.destinationSignIn ? 'Sign in with Microsoft first.' : undefined;
  const ready = m365 ? !signInProblem : serverOk && !adminProblem && state.adminPasswordStored;
  const canTest = ready && isEmail(state.destinationTestMailbox);
  const insecureUnaccepted = !m365 && state.destinationServer.security === 'none' && !state.allowInsecure;

  const trustInWizard = useWizardTrust();
  /** Options and server are passed when a fix just changed them (the state updates later). */
  const test = async (options = batchOptions(state), server = destinationSpec(state, presets)) => {
    if (!server) return;
    const mailbox = state.destinationTestMailbox.trim();
    dispatch({ type: 'destinationTest', test: { state: 'testing' } });
    try {
      const summary = await testConnection(batch, 'destination', server, mailbox, mailbox, options);
      dispatch({ type: 'destinationTest', test: { state: 'ok', summary } });
    } catch (e) {
      dispatch({ type: 'destinationTest', test: { state: 'error', problem: toProblem(e) } });
    }
  };

  const next = () => {
    if (m365 ? signInProblem : !serverOk || adminProblem || passwordProblem || insecureUnaccepted) {
      setShowErrors(true);
      return;
    }
    dispatch({ type: 'goTo', step: 'users' });
  };

  const tenantField = (
    <Field label="Tenant" hint="Your domain (contoso.com) or your tenant ID.">
      <Input value={state.tenant} spellCheck={false} onChange={(_, d) => dispatch({ type: 'setTenant', tenant: d.value })} />
    </Field>
  );
  const signIn =
    state.destinationAuth === 'admin' ? (
      <SignInButton
        provider="microsoft"
        clientId={state.clientIds.microsoft}
        tenant={builtIn ? undefined : state.tenant}
        withDirectory
        signedIn={state.destinationSignIn}
        onChange={(signedIn) => dispatch({ type: 'destinationSignedIn', signedIn })}
      />
    ) : (
      <AppSignIn
        tenant={state.tenant}
        clientId={state.clientIds.microsoft}
        signedIn={state.destinationSignIn}
        onChange={(signedIn) => dispatch({ type: 'destinationSignedIn', signedIn })}
      />
    );

  return (
    <Page title="Destination" description="Choose where the email goes.">
      <div className={styles.tiles} role="radiogroup" aria-label="Destination">
        <Tile
          title="Microsoft 365"
          caption="Exchange Online mailboxes, opened by an admin who signs in with Microsoft."
          icon={<MicrosoftLogo />}
          selected={state.destinationKind === 'microsoft365'}
          onSelect={() => dispatch({ type: 'setDestinationKind', kind: 'microsoft365' })}
        />
        <Tile
          title="Another IMAP server"
          caption="Any server that lets one admin account open every mailbox."
          icon={<MailServerLogo />}
          selected={state.destinationKind === 'imap'}
          onSelect={() => dispatch({ type: 'setDestinationKind', kind: 'imap' })}
        />
      </div>

      {m365 ? (
        <Section id="destination-sign-in" title={builtIn ? 'Sign in with Microsoft' : 'Connect Microsoft 365'}>
          <div className={styles.fields}>
            <RadioGroup
              aria-label="Who signs in to Microsoft 365"
              value={state.destinationAuth}
              onChange={(_, d) => dispatch({ type: 'setDestinationAuth', auth: d.value as 'admin' | 'app' })}
            >
              <Radio value="admin" label="An admin with Full Access to every mailbox signs in" />
              <Radio value="app" label="The app registration signs in by itself, with a client secret or a certificate" />
            </RadioGroup>
            {state.destinationAuth === 'admin' ? (
              <Text>
                Sign in as an admin who has Full Access to every destination mailbox. Mailferry then opens each mailbox
                with that sign-in, as Microsoft's own migration service does.
              </Text>
            ) : (
              <Text>
                For many mailboxes without anyone signed in: the app registration signs in with a client secret or a
                certificate. It needs the Office 365 Exchange Online application permission IMAP.AccessAsApp with admin
                consent, and Full Access to each mailbox in Exchange Online; the setup script gives both.
              </Text>
            )}
            {builtIn ? (
              <>
                {state.destinationAuth === 'app' ? tenantField : null}
                {signIn}
              </>
            ) : (
              <>
                <ConnectMicrosoft365
                  path={state.destinationAuth === 'admin' ? 'admin' : 'app'}
                  tenant={state.tenant}
                  onTenant={(tenant) => dispatch({ type: 'setTenant', tenant })}
                  clientId={state.clientIds.microsoft}
                  clientIdField={
                    <ClientIdField
                      provider="microsoft"
                      value={state.clientIds.microsoft}
                      onChange={(clientId) => dispatch({ type: 'setClientId', provider: 'microsoft', clientId })}
                    />
                  }
                  sampleMailbox={state.destinationTestMailbox}
                  onSampleMailbox={(email) => dispatch({ type: 'setDestinationTestMailbox', email })}
                  appSignIn={state.destinationAuth === 'app' ? state.destinationSignIn : null}
                  withDirectory
                  onConnected={(signedIn) => dispatch({ type: 'destinationSignedIn', signedIn })}
                  beforeCheck={state.destinationAuth === 'app' ? signIn : null}
                />
                {state.destinationAuth === 'admin' ? (
                  <div className={styles.fields}>
                    <Text weight="semibold">Already connected? Sign in without the check:</Text>
                    {signIn}
                  </div>
                ) : null}
              </>
            )}
            {showErrors && signInProblem ? (
              <MessageBar intent="error" role="alert">
                <MessageBarBody>{signInProblem}</MessageBarBody>
              </MessageBar>
            ) : null}
          </div>
        </Section>
      ) : (
        <>
        <Section id="destination-server" title="Destination server">
          <ServerFields
            what="Destination"
            value={state.destinationServer}
            errors={serverErrors}
            showErrors={showErrors}
            onChange={(patch) => dispatch({ type: 'setDestinationServer', patch })}
            allowInsecure={state.allowInsecure}
            onAllowInsecure={(value) => dispatch({ type: 'setAllowInsecure', value })}
          />
        </Section>

        <Section id="destination-admin" title="Admin account">
          <div className={styles.fields}>
            <Field
              label="Admin account"
              required
              hint="An account that can open every destination mailbox (for example a Dovecot master user)."
              validationMessage={showErrors ? adminProblem : undefined}
            >
              <Input
                value={state.destinationAdmin}
                spellCheck={false}
                autoComplete="off"
                onChange={(_, d) => dispatch({ type: 'setDestinationAdmin', admin: d.value })}
              />
            </Field>
            <PasswordField
              label="Admin password"
              stored={state.adminPasswordStored}
              storedText="Admin password stored"
              disabled={!state.destinationAdmin.trim()}
              disabledReason="Enter the admin account first."
              hint="Stored in this computer's password store as soon as you leave the field."
              onStore={async (password) => {
                await storeAdminPassword(batch, password);
                dispatch({ type: 'adminPasswordStored', stored: true });
              }}
              onChangeRequested={() => dispatch({ type: 'adminPasswordStored', stored: false })}
              problem={showErrors && state.destinationAdmin.trim() ? passwordProblem : undefined}
            />
          </div>
        </Section>
        </>
      )}

      <Section id="destination-test" title="Test connection">
        <div className={styles.fields}>
          <div className={styles.testRow}>
            <Field className={styles.grow} label="Destination mailbox to test" hint="Any mailbox the admin can open.">
              <Input
                value={state.destinationTestMailbox}
                type="email"
                spellCheck={false}
                onChange={(_, d) => dispatch({ type: 'setDestinationTestMailbox', email: d.value })}
              />
            </Field>
          </div>
          <div>
            <Button onClick={() => void test()} disabled={!canTest || state.destinationTest.state === 'testing'}>
              {state.destinationTest.state === 'testing' ? 'Testing…' : 'Test connection'}
            </Button>
          </div>
          <div aria-live="polite">
            <ConnectionResult
              test={state.destinationTest}
              onTrust={async (choice) => void (await test(await trustInWizard(choice)))}
              onSwitchSecurity={
                m365
                  ? undefined
                  : (security) => {
                      dispatch({ type: 'setDestinationServer', patch: { security } });
                      void test(batchOptions(state), formSpec({ ...state.destinationServer, security }));
                    }
              }
            />
          </div>
        </div>
      </Section>

      <WizardFooter onBack={() => dispatch({ type: 'goTo', step: 'service' })} onNext={next} />
    </Page>
  );
}
