import {
  makeStyles,
  NavCategory,
  NavCategoryItem,
  NavDrawer,
  NavDrawerBody,
  NavItem,
  NavSubItem,
  NavSubItemGroup,
  Text,
  tokens,
} from '@fluentui/react-components';
import { ArrowSwap20Regular, History20Regular, MailArrowForward20Filled } from '@fluentui/react-icons';
import { useEffect, useState } from 'react';
import {
  demoSetup,
  listPresets,
  signInSettings,
  toProblem,
  type AppError,
  type DemoSetup,
  type Preset,
  type SignInSettings,
} from '../backend';
import { CloseRequestedDialog } from '../components/CloseRequestedDialog';
import { KeyringBanner } from '../components/KeyringBanner';
import { ProblemBar } from '../components/ProblemBar';
import { HistoryScreen } from '../screens/HistoryScreen';
import { HomeScreen } from '../screens/HomeScreen';
import { StatusScreen } from '../screens/StatusScreen';
import { SwitchDomainScreen } from '../screens/SwitchDomainScreen';
import { Wizard } from '../wizard/Wizard';
import { DemoContext } from './demo';
import { NavigateContext, type View } from './navigation';
import { PresetsContext } from './presets';
import { DEFAULT_SIGN_IN_SETTINGS, SignInSettingsContext } from './signInSettings';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', height: '100%' },
  header: {
    display: 'flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalS,
    height: '48px',
    flexShrink: 0,
    padding: `0 ${tokens.spacingHorizontalL}`,
    backgroundColor: tokens.colorBrandBackground,
    color: tokens.colorNeutralForegroundOnBrand,
  },
  brand: { fontWeight: tokens.fontWeightSemibold, fontSize: tokens.fontSizeBase400 },
  tagline: { opacity: 0.85 },
  banners: { flexShrink: 0 },
  body: { display: 'flex', flexGrow: 1, minHeight: 0 },
  nav: { height: '100%', width: '220px', flexShrink: 0 },
  main: { flexGrow: 1, minWidth: 0, overflowY: 'auto', backgroundColor: tokens.colorNeutralBackground1 },
  wizardMain: { flexGrow: 1, minWidth: 0, minHeight: 0 },
});

function navValue(view: View): string {
  return view.kind === 'history' ? 'history' : 'email';
}

/** The frame around every page: header, banners, the left navigation and the page itself. */
export function Shell() {
  const styles = useStyles();
  const [view, setView] = useState<View>({ kind: 'home' });
  const [presets, setPresets] = useState<Preset[]>([]);
  const [presetProblem, setPresetProblem] = useState<AppError | null>(null);
  const [demo, setDemo] = useState<DemoSetup | null>(null);
  const [settings, setSettings] = useState<SignInSettings>(DEFAULT_SIGN_IN_SETTINGS);

  useEffect(() => {
    listPresets()
      .then(setPresets)
      .catch((e) => setPresetProblem(toProblem(e)));
    signInSettings()
      .then(setSettings)
      .catch(() => {
        // The defaults (no app registration configured) are right outside the app.
      });
    demoSetup()
      .then(setDemo)
      .catch(() => {
        // Not a demo, or an older backend: the app works the same without it.
      });
  }, []);

  const page = (() => {
    switch (view.kind) {
      case 'home':
        return <HomeScreen />;
      case 'history':
        return <HistoryScreen />;
      case 'status':
        return <StatusScreen key={view.batch} batch={view.batch} initialProblem={view.problem} />;
      case 'domains':
        return <SwitchDomainScreen key={view.batch} batch={view.batch} />;
      case 'wizard':
        return <Wizard existingNames={view.existingNames} />;
    }
  })();

  return (
    <NavigateContext.Provider value={setView}>
      <DemoContext.Provider value={demo}>
        <PresetsContext.Provider value={presets}>
        <SignInSettingsContext.Provider value={settings}>
            <div className={styles.root}>
              <header className={styles.header}>
                <MailArrowForward20Filled aria-hidden />
                <Text className={styles.brand}>Mailferry</Text>
                <Text className={styles.tagline}>Move your email to Microsoft 365</Text>
              </header>
              <div className={styles.banners}>
                {/* The demo keeps its passwords in memory: no keyring to warn about. */}
                {demo ? null : <KeyringBanner />}
                {presetProblem ? <ProblemBar problem={presetProblem} /> : null}
              </div>
              <div className={styles.body}>
                {view.kind === 'wizard' ? (
                  // The wizard takes the whole page, with its own stepper as navigation.
                  <main className={styles.wizardMain}>{page}</main>
                ) : (
                  <>
                    <NavDrawer
                      className={styles.nav}
                      open
                      type="inline"
                      aria-label="Main"
                      selectedValue={navValue(view)}
                      defaultOpenCategories={['migrations']}
                      onNavItemSelect={(_, data) =>
                        setView(data.value === 'history' ? { kind: 'history' } : { kind: 'home' })
                      }
                    >
                      <NavDrawerBody>
                        <NavCategory value="migrations">
                          <NavCategoryItem icon={<ArrowSwap20Regular />}>Migrations</NavCategoryItem>
                          <NavSubItemGroup>
                            <NavSubItem value="email">Email</NavSubItem>
                          </NavSubItemGroup>
                        </NavCategory>
                        <NavItem value="history" icon={<History20Regular />}>
                          Reports and history
                        </NavItem>
                      </NavDrawerBody>
                    </NavDrawer>
                    <main className={styles.main}>{page}</main>
                  </>
                )}
              </div>
            </div>
            <CloseRequestedDialog />
        </SignInSettingsContext.Provider>
        </PresetsContext.Provider>
      </DemoContext.Provider>
    </NavigateContext.Provider>
  );
}
