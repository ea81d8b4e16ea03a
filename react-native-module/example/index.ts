import { AppRegistry } from 'react-native';
import App from './App';

// Expo's development build starts the component registered as "main".
AppRegistry.registerComponent('main', () => App);
