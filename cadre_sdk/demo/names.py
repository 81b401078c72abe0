"""Synthetic names for the demo: people by ethnicity, and township place names.

The parts are common name elements of the peoples of Qinghai (Han, Tibetan, Hui, Tu, Salar,
Mongol) combined at random: the people are synthetic, not real persons. Township names are built
from syllables and may, by chance, match a real place.
"""
from __future__ import annotations

import random

# --- people -------------------------------------------------------------------------------------

HAN_SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
    "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶贺顾"
    "毛郝龚邵万钱严武戴孔汤祁乔鲁常晁")
HAN_GIVEN_MALE = (
    "建国华明军平强伟海宁青文斌刚勇涛磊鹏辉永德成福生荣忠学志立新杰东林波峰瑞云山虎彪龙"
    "俊浩宇航晨鑫亮锋军庆祥春祯发贵顺元洪宏振兴延昌卫民胜利江河川")
HAN_GIVEN_FEMALE = (
    "红芳丽静敏燕霞玉兰英梅晓春秀娟婷琳萍洁慧雪佳欣莉艳娜倩颖蓉凤菊霞琴丹萍瑛瑶雯璐婧"
    "青宁海月华珍")

HUI_SURNAMES = "马马马马韩冶喇何苏白杨沙海穆哈铁李张妥"
SALAR_SURNAMES = "韩韩韩韩马马冶沈陕苏"
TU_SURNAMES = "李李祁祁鲁吕星东秦胡张董席晁"
# Hui, Salar and Tu cadres mostly have Han-style given names; some Hui given names recur.
HUI_GIVEN = "福祥成良德有明忠义哈买海英兰花梅秀麦"

TIBETAN_MALE = (
    "扎西", "多杰", "才让", "索南", "尼玛", "桑杰", "东知", "更登", "旦增", "次仁", "格桑", "公保",
    "加措", "才旦", "完玛", "仁青", "罗藏", "贡保", "南加", "万玛", "久美", "班玛", "昂文", "多吉",
    "达哇", "尕藏", "华旦", "加羊", "尖措", "才华", "拉加", "本加", "夏吾", "更求", "吉太", "仁增",
    "洛桑", "丹正", "俄日", "吉合", "江措", "闹日", "求培", "彭措", "斗拉", "尕玛", "秀杰", "巴桑",
)
TIBETAN_FEMALE = (
    "卓玛", "拉毛", "周毛", "吉毛", "措毛", "德吉", "央金", "才吉", "卓嘎", "拉姆", "央宗", "李毛",
    "完德", "卓措", "当周", "索毛", "娘吉", "草毛", "才措", "拉吉", "更藏", "旦措", "东措", "尕毛",
)
MONGOL_MALE = (
    "巴图", "那仁", "额尔登", "宝音", "达来", "图门", "布和", "孟和", "朝鲁", "阿拉坦", "苏和",
    "巴雅尔", "特木尔", "吉日嘎拉", "乌力吉", "道尔吉", "桑布", "却加", "扎那", "哈斯",
)
MONGOL_FEMALE = (
    "其其格", "斯琴", "乌兰", "格日勒", "萨仁", "娜仁", "托娅", "高娃", "图雅", "琪琪", "塔娜",
    "敖登", "苏布达", "花尔",
)

ETHNICITIES = ("汉族", "藏族", "回族", "土族", "撒拉族", "蒙古族")


def _han_given(rng: random.Random, male: bool) -> str:
    pool = HAN_GIVEN_MALE if male else HAN_GIVEN_FEMALE
    if rng.random() < 0.3:
        return rng.choice(pool)
    return rng.choice(pool) + rng.choice(pool)


def person_name(rng: random.Random, ethnicity: str, male: bool) -> str:
    """A synthetic name plausible for a cadre of ``ethnicity`` in Qinghai."""
    if ethnicity == "藏族":
        if rng.random() < 0.25:
            # two-syllable Tibetan names (尼玛, 卓玛) are common on their own
            return rng.choice(TIBETAN_MALE if male else TIBETAN_FEMALE)
        first = rng.choice(TIBETAN_MALE)
        second = rng.choice(TIBETAN_MALE if male else TIBETAN_FEMALE)
        return first + second if second != first else first + "加"
    if ethnicity == "蒙古族":
        pool = MONGOL_MALE if male else MONGOL_FEMALE
        r = rng.random()
        if r < 0.4:
            return rng.choice(pool)
        if r < 0.7:
            # Many Mongol cadres in Qinghai carry Tibetan-style names.
            return rng.choice(TIBETAN_MALE if male else TIBETAN_FEMALE) + rng.choice(pool)[:2]
        return rng.choice(HAN_SURNAMES) + _han_given(rng, male)
    if ethnicity == "回族":
        given = _han_given(rng, male)
        if rng.random() < 0.25:
            given = given[:1] + rng.choice(HUI_GIVEN)
        return rng.choice(HUI_SURNAMES) + given
    if ethnicity == "撒拉族":
        return rng.choice(SALAR_SURNAMES) + _han_given(rng, male)
    if ethnicity == "土族":
        if rng.random() < 0.15:
            return rng.choice(TU_SURNAMES) + rng.choice(TIBETAN_MALE if male else TIBETAN_FEMALE)
        return rng.choice(TU_SURNAMES) + _han_given(rng, male)
    return rng.choice(HAN_SURNAMES) + _han_given(rng, male)


# --- places -------------------------------------------------------------------------------------

HAN_PLACE_FIRST = "新红青黄白石沙柳杨李马高东西南北上下大小长平安官古双多甘金三塔峡田宝永康乐丰和兴龙"
HAN_PLACE_SECOND = "家庄沟湾川河滩堡寨坪台岭门城营口寺源泉峪坝园林"
TIBETAN_PLACE = "扎多尕隆曲玛拉加吉贡巴卡秀宗日措塘科昂赛索知德达麦尼仁江龙热当哇柯智雅结囊保藏杂勒"
MONGOL_PLACE = ("巴音", "察汗", "乌兰", "哈尔", "诺木", "柯鲁", "赛什", "希里", "宗务", "布哈", "克鲁",
                "托素", "阿拉", "沙柳", "锡铁", "乌图", "宗加", "香日")


def place_name(rng: random.Random, style: str) -> str:
    """A synthetic place name (without 乡/镇) in the ``han``, ``tibetan`` or ``mongol`` style."""
    if style == "tibetan":
        n = 2 if rng.random() < 0.75 else 3
        return "".join(rng.choice(TIBETAN_PLACE) for _ in range(n))
    if style == "mongol":
        return rng.choice(MONGOL_PLACE) + rng.choice(MONGOL_PLACE)
    if rng.random() < 0.8:
        return rng.choice(HAN_PLACE_FIRST) + rng.choice(HAN_PLACE_SECOND)
    return rng.choice(HAN_PLACE_FIRST) + rng.choice(HAN_PLACE_FIRST) + rng.choice(HAN_PLACE_SECOND)
