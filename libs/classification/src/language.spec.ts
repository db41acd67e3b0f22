import { detectLanguage } from './language';

describe('detectLanguage', () => {
  it.each([
    [
      'ja',
      'APIで注文を出すと {"code":-1022,"msg":"Signature for this request is not valid."} が返ってきます',
    ],
    [
      'ja',
      '入金反映されない\nSOL SJtXsgRFZ6g7Jdr7Hxy5S57PmFKSpcHLAQnMAyjRyXLaKJeRVmynCo7KSUJzYcMZ1x4dKnf5W5XVz2BkzvxBCLLc',
    ],
    ['zh', '网页版的K线图一直不更新，刷新也没用。'],
    ['ko', '수수료 할인 이벤트 다음에는 언제 하나요?'],
    ['ru', 'Не могу войти в аккаунт уже три дня'],
    ['vi', 'cho mình hỏi, mình rút 50 USDT qua mạng BEP20'],
    ['id', 'halo min, cara pakai fitur convert gimana ya?'],
    ['tr', 'Merhaba, yeni hesap açmaya çalışıyorum ama SMS kodu gelmiyor'],
    ['de', 'Hallo, mein Video-Ident wurde abgebrochen und ich kann es nicht wiederholen'],
    ['fr', "Bonjour, existe-t-il une version française de la documentation de l'API ?"],
    ['es', 'Hola, ¿cómo puedo cambiar el idioma de la app?'],
    ['pt', 'oi, onde eu vejo o histórico das ordens que eu cancelei?'],
    ['en', 'withdrawal stuck help'],
    // (1.17.0) Vietnamese chat written without diacritics
    ['vi', 'ad oi tk cua minh bi khoa do nhap sai mk 5 lan, 2 ngay roi van ko vao dc'],
    // (1.17.0) Spanish whose function words it shares with French ("la", "que", "en"): tinyld decides
    // between those two only
    ['es', 'me liquidaron la long de BTC a las 3am con una mecha que en ningún otro exchange apareció'],
  ])('%s', (language, text) => {
    expect(detectLanguage(text).language).toBe(language);
  });
});
