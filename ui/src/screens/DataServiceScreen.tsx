import {
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Text,
  tokens,
} from '@fluentui/react-components';
import { Mail24Regular, Server24Regular } from '@fluentui/react-icons';
import { useState } from 'react';
import type { Preset } from '../backend';
import { usePresets } from '../app/presets';
import { HelpSteps } from '../components/HelpSteps';
import { Page } from '../components/Page';
import { Section } from '../components/Section';
import { ServerFields } from '../components/ServerFields';
import { Tile } from '../components/Tile';
import { formatCount } from '../format';
import { SOURCE_TILES, tileByKey, validateServer } from '../servers';
import { useWizard } from '../wizard/WizardContext';
import { WizardFooter } from '../wizard/WizardFooter';
import { sourcePreset } from '../wizard/wizardState';

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
});

function signInCaption(preset: Preset | undefined): string {
  if (!preset) return '';
  switch (preset.sign_in) {
    case 'app_password':
      return 'Needs an app password';
    case 'oauth':
      return 'Needs Sign in with Microsoft (coming soon)';
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
  const tile = tileByKey(state.sourceTile);
  const preset = sourcePreset(state, presets);
  const isOther = preset?.id === 'other';
  const isOauth = preset?.sign_in === 'oauth';
  const serverErrors = validateServer(state.otherServer);
  const insecureUnaccepted = isOther && state.otherServer.security === 'none' && !state.allowInsecure;

  const tiles = SOURCE_TILES.filter((t) => presets.some((p) => p.id === t.presetId));

  const next = () => {
    if (isOther && (Object.keys(serverErrors).length > 0 || insecureUnaccepted)) {
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
              icon={t.key === 'other' ? <Server24Regular /> : <Mail24Regular />}
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
          {showErrors && insecureUnaccepted ? (
            <Text role="alert">Tick "I understand" to sign in without encryption, or choose SSL/TLS or STARTTLS.</Text>
          ) : null}
        </Section>
      ) : null}

      <WizardFooter
        onBack={() => dispatch({ type: 'goTo', step: 'sources' })}
        onNext={next}
        nextDisabled={!preset || isOauth}
        note={!preset ? 'Choose a provider to continue.' : undefined}
      />
    </Page>
  );
}

function OauthNotice({ label }: { label: string }) {
  return (
    <MessageBar intent="warning" layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>{label} mailboxes cannot be migrated with a password</MessageBarTitle>
        <div>
          Microsoft switched off password sign-in for IMAP on Outlook.com and Hotmail on 16 September 2024; app
          passwords no longer work either. These mailboxes need "Sign in with Microsoft", which is coming to
          Mailferry in a later version. Until then Mailferry cannot copy them.
        </div>
      </MessageBarBody>
    </MessageBar>
  );
}
