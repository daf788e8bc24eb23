export const SEARCH_ATTRIBUTE_NAMES = ['CppPublisherId', 'CppOfferId', 'CppCancelPhase'] as const;
