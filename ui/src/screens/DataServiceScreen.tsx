import {
  Button,
  Field,
  Input,
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Radio,
  RadioGroup,
  Text,
  tokens,
} from '@fluentui/react-components';
import { useState } from 'react';
import { storeClientSecret, storePassword, testConnection, toProblem, type Preset } from '../backend';
import { ConnectionResult } from '../components/ConnectionResult';
import { PasswordField } from '../components/PasswordField';
import { ClientIdField } from '../components/ClientIdField';
import { ConnectMicrosoft365 } from '../components/ConnectMicrosoft365';
import { useSignInSettings } from '../app/signInSettings';
import { usePresets } from '../app/presets';
import { HelpSteps } from '../components/HelpSteps';
import { sourceLogo } from '../components/logos/providerLogo';
import { Page } from '../components/Page';
import { Section } from '../components/Section';
import { ServerFields } from '../components/ServerFields';
import { Tile } from '../components/Tile';
import { formatCount } from '../format';
import { formSpec, SOURCE_TILES, tileByKey, validateServer } from '../servers';
import { useWizard } from '../wizard/WizardContext';
import { useWizardTrust } from '../wizard/useWizardTrust';
import { WizardFooter } from '../wizard/WizardFooter';
import { batchNameOf, batchOptions, sourcePreset, sourceSpec, type SourceAuth } from '../wizard/wizardState';

const useStyles = makeStyles({
  tiles: { display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(160px, 1fr))', gap: tokens.spacingHorizontalM, maxWidth: '900px' },
  prepare: {
    display: 'flex',
    flexDirection: 'column',
    gap: tokens.spacingVerticalS,
    maxWidth: '760px',
    padding: tokens.spacingHorizontalL,
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorNeutralBackground2,
  },
  hint: { color: tokens.colorNeutralForeground2 },
  signIn: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, maxWidth: '560px' },
  test: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, maxWidth: '560px' },
});

const AUTH_LABELS: Record<SourceAuth, string> = {
  password: 'Password (or app password) for each mailbox',
  microsoft: 'Each mailbox signs in with Microsoft',
  google: 'Each mailbox signs in with Google',
};

function signInCaption(preset: Preset | undefined): string {
  if (!preset) return '';
  switch (preset.sign_in) {
    case 'app_password':
      return 'Needs an app password';
    case 'oauth':
      return 'Sign in with Microsoft';
    case 'password':
      return 'Server name and password';
  }
}

/** Step 2: which provider the email comes from, and what to prepare there first. */
export function DataServiceScreen() {
  const styles = useStyles();
  const presets = usePresets();
  const { state, dispatch } = useWizard();
  const [showErrors, setShowErrors] = useState(false);
  const settings = useSignInSettings();
  // Outlook.com / Hotmail: a mailbox the setup check signs in to.
  const [personalSample, setPersonalSample] = useState('');
  const tile = tileByKey(state.sourceTile);
  const preset = sourcePreset(state, presets);
  const isOther = preset?.id === 'other';
  const isOauth = preset?.sign_in === 'oauth';
  const serverErrors = validateServer(state.otherServer);
  const insecureUnaccepted = isOther && state.otherServer.security === 'none' && !state.allowInsecure;

  const tiles = SOURCE_TILES.filter((t) => presets.some((p) => p.id === t.presetId));

  // Which sign-ins this provider allows: Outlook.com only Microsoft's, Gmail app passwords or
  // Google's, a server of one's own any of them.
  const authChoices: SourceAuth[] = isOauth
    ? ['microsoft']
    : preset?.oauth === 'google'
      ? ['password', 'google']
      : isOther
        ? ['password', 'microsoft', 'google']
        : ['password'];
  const clientIdMissing = state.sourceAuth !== 'password' && !state.clientIds[state.sourceAuth].trim();

  const batch = batchNameOf(state);
  const testMailbox = state.sourceTestMailbox.trim();
  const canTest =
    isOther && Object.keys(serverErrors).length === 0 && !insecureUnaccepted && testMailbox !== '' && state.sourceTestPasswordStored;
  /** Signs in to one old mailbox on the typed-in server: a typo shows here, not two pages on. */
  const trustInWizard = useWizardTrust();
  /** Options and server are passed when a fix just changed them (the state updates later). */
  const test = async (options = batchOptions(state), server = sourceSpec(state, presets)) => {
    if (!server) return;
    dispatch({ type: 'sourceTest', test: { state: 'testing' } });
    try {
      const summary = await testConnection(batch, 'source', server, testMailbox, testMailbox, options);
      dispatch({ type: 'sourceTest', test: { state: 'ok', summary } });
    } catch (e) {
      dispatch({ type: 'sourceTest', test: { state: 'error', problem: toProblem(e) } });
    }
  };

  const builtInClient =
    (state.sourceAuth === 'microsoft' && settings.microsoft_built_in) || (state.sourceAuth === 'google' && settings.google_built_in);
  const clientIdField =
    state.sourceAuth === 'password' ? null : (
      <ClientIdField
        provider={state.sourceAuth}
        value={state.clientIds[state.sourceAuth]}
        onChange={(clientId) => dispatch({ type: 'setClientId', provider: state.sourceAuth as 'microsoft' | 'google', clientId })}
        problem={showErrors && clientIdMissing ? 'Enter the application (client) ID.' : undefined}
      />
    );

  const next = () => {
    if (clientIdMissing || (isOther && (Object.keys(serverErrors).length > 0 || insecureUnaccepted))) {
      setShowErrors(true);
      return;
    }
    dispatch({ type: 'goTo', step: 'destination' });
  };

  return (
    <Page
      title="Select your data service"
      description="Choose the email provider you are migrating from. If it is not listed, choose Other email sources."
    >
      <div className={styles.tiles} role="radiogroup" aria-label="Email provider">
        {tiles.map((t) => {
          const p = presets.find((x) => x.id === t.presetId);
          return (
            <Tile
              key={t.key}
              title={t.label}
              caption={signInCaption(p)}
              icon={sourceLogo(t.key)}
              selected={state.sourceTile === t.key}
              onSelect={() => dispatch({ type: 'chooseTile', key: t.key })}
            />
          );
        })}
      </div>

      {preset && tile && isOauth ? <OauthNotice label={tile.label} /> : null}

      {preset && tile && !isOauth ? (
        <Section id="prepare-title" title={isOther ? 'Connect to your email server' : `Before you start with ${tile.label}`}>
          <div className={styles.prepare}>
            <HelpSteps text={preset.help} />
            {preset.daily_download_mb ? (
              <Text className={styles.hint}>
                {tile.label} lets each mailbox download about {formatCount(preset.daily_download_mb)} MB a day. Larger
                mailboxes take more than a day: Mailferry waits and carries on by itself.
              </Text>
            ) : null}
            {preset.folder_hints ? <Text className={styles.hint}>{preset.folder_hints}</Text> : null}
          </div>
          {isOther ? (
            <ServerFields
              what="Source"
              value={state.otherServer}
              errors={serverErrors}
              showErrors={showErrors}
              onChange={(patch) => dispatch({ type: 'setOtherServer', patch })}
              allowInsecure={state.allowInsecure}
              onAllowInsecure={(value) => dispatch({ type: 'setAllowInsecure', value })}
            />
          ) : null}
          {isOther && state.sourceAuth === 'password' ? (
            <div className={styles.test}>
              <Field
                label="Mailbox to test"
                hint="The email address or user name of one mailbox on this server. Optional, but it finds a typing mistake now."
              >
                <Input
                  value={state.sourceTestMailbox}
                  spellCheck={false}
                  autoComplete="off"
                  onChange={(_, d) => dispatch({ type: 'setSourceTestMailbox', mailbox: d.value })}
                />
              </Field>
              <PasswordField
                label="Its password"
                stored={state.sourceTestPasswordStored}
                disabled={!testMailbox}
                disabledReason="Enter the mailbox first."
                hint="Stored in this computer's password store, and used for this mailbox in the migration too."
                onStore={async (password) => {
                  await storePassword(batch, testMailbox, password);
                  dispatch({ type: 'sourceTestPasswordStored', stored: true });
                }}
                onChangeRequested={() => dispatch({ type: 'sourceTestPasswordStored', stored: false })}
              />
              <div>
                <Button onClick={() => void test()} disabled={!canTest || state.sourceTest.state === 'testing'}>
                  {state.sourceTest.state === 'testing' ? 'Testing…' : 'Test connection'}
                </Button>
              </div>
              <div aria-live="polite">
                <ConnectionResult
                  test={state.sourceTest}
                  onTrust={async (choice) => void (await test(await trustInWizard(choice)))}
                  onSwitchSecurity={(security) => {
                    dispatch({ type: 'setOtherServer', patch: { security } });
                    void test(batchOptions(state), formSpec({ ...state.otherServer, security }));
                  }}
                />
              </div>
            </div>
          ) : null}
        </Section>
      ) : null}

      {preset && authChoices.length > 1 ? (
        <Section id="source-sign-in-title" title="How the mailboxes sign in">
          <RadioGroup
            aria-labelledby="source-sign-in-title"
            value={state.sourceAuth}
            onChange={(_, d) => dispatch({ type: 'setSourceAuth', auth: d.value as SourceAuth })}
          >
            {authChoices.map((auth) => (
              <Radio key={auth} value={auth} label={AUTH_LABELS[auth]} />
            ))}
          </RadioGroup>
        </Section>
      ) : null}
      {preset && state.sourceAuth !== 'password' ? (
        <div className={styles.signIn}>
          {builtInClient ? null : state.sourceAuth === 'microsoft' && isOauth ? (
            <ConnectMicrosoft365
              path="personal"
              tenant=""
              clientId={state.clientIds.microsoft}
              clientIdField={clientIdField}
              sampleMailbox={personalSample}
              onSampleMailbox={setPersonalSample}
            />
          ) : (
            clientIdField
          )}
          {state.sourceAuth === 'google' && !builtInClient ? (
            <PasswordField
              label="Google OAuth client secret"
              stored={state.googleSecretStored}
              storedText="Client secret stored"
              disabled={!state.clientIds.google.trim()}
              disabledReason="Enter the client ID first."
              hint="Google's desktop clients come with a secret, shown next to the client ID. Stored in this computer's password store."
              onStore={async (secret) => {
                await storeClientSecret(state.clientIds.google, secret);
                dispatch({ type: 'googleSecretStored', stored: true });
              }}
              onChangeRequested={() => dispatch({ type: 'googleSecretStored', stored: false })}
            />
          ) : null}
          <Field>
            <Text className={styles.hint}>
              On the next pages each mailbox owner chooses Sign in, then signs in in the browser that opens. Mailferry
              keeps the sign-in in this computer's password store and never sees the password.
            </Text>
          </Field>
        </div>
      ) : null}

      <WizardFooter
        onBack={() => dispatch({ type: 'goTo', step: 'sources' })}
        onNext={next}
        nextDisabled={!preset}
        note={!preset ? 'Choose a provider to continue.' : undefined}
      />
    </Page>
  );
}

function OauthNotice({ label }: { label: string }) {
  return (
    <MessageBar intent="info" layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>{label} mailboxes sign in with Microsoft</MessageBarTitle>
        <div>
          Microsoft switched off password sign-in for IMAP on Outlook.com and Hotmail on 16 September 2024; app
          passwords no longer work either. Each mailbox owner signs in with Microsoft instead, on the Select users
          page. Your app registration must allow personal Microsoft accounts.
        </div>
      </MessageBarBody>
    </MessageBar>
  );
}
