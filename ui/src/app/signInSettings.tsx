import { createContext, useContext } from 'react';
import type { SignInSettings } from '../backend';

export const DEFAULT_SIGN_IN_SETTINGS: SignInSettings = {
  microsoft_client_id: null,
  google_client_id: null,
  microsoft_built_in: false,
  google_built_in: false,
  microsoft_imap_url: 'imaps://outlook.office365.com:993',
};

/** The app registrations configured on this computer, loaded once at start. */
export const SignInSettingsContext = createContext<SignInSettings>(DEFAULT_SIGN_IN_SETTINGS);

export function useSignInSettings(): SignInSettings {
  return useContext(SignInSettingsContext);
}
