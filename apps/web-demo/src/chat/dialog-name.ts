/** The dialogs ChatApp opens; its children ask for one by name. */
export type DialogName =
  | 'newChat'
  | 'newGroup'
  | 'broadcasts'
  | 'profile'
  | 'groupInfo'
  | 'privacy';
