#!/usr/bin/env python3
"""Probe for issue 5 (not part of the product; nothing in the build uses it).

Question: do ToS;DR's quoted points help a linear model on UNFAIR-ToS when they are added as
extra positives of the label their case corresponds to? The points of eleven ToS;DR cases are
mapped onto six UNFAIR-ToS labels (arbitration, unilateral change, content removal, unilateral
termination, jurisdiction, limitation of liability); each quote is split into sentences of 5 to
80 words, lower-cased and tokenised like UNFAIR-ToS, and added to train.jsonl. A TF-IDF (word
1-3-grams + character 3-5-grams) linear SVM per label, the same with and without them, is
scored on validation.jsonl (strict: the 8 labels, threshold 0).

    pip install scikit-learn
    python3 scripts/probe-tosdr-augmentation-unfair-tos.py none        # baseline
    python3 scripts/probe-tosdr-augmentation-unfair-tos.py 7           # arbitration points added
    python3 scripts/probe-tosdr-augmentation-unfair-tos.py 0,1,2,3,6,7 # all mapped points
    (optional 2nd and 3rd arguments: the UNFAIR-ToS folder and legacy-points.jsonl)

Label ids are LexGLUE's order: 0 limitation of liability, 1 unilateral termination, 2 unilateral
change, 3 content removal, 4 contract by using, 5 choice of law, 6 jurisdiction, 7 arbitration.
Measured figures are in the issue 5 closing notes.
"""
import json, re, sys, numpy as np, html
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC
from sklearn.metrics import f1_score
from scipy.sparse import hstack
D=(sys.argv[2] if len(sys.argv)>2 else '../shared/data/unfair-tos').rstrip('/')+'/'
T=sys.argv[3] if len(sys.argv)>3 else '../shared/data/tosdr/legacy-points.jsonl'
def load(f):
    X,Y=[],[]
    for l in open(D+f):
        r=json.loads(l); X.append(r['text']); y=np.zeros(8,int)
        for i in r['label_ids']: y[i]=1
        Y.append(y)
    return X,np.array(Y)
Xtr,Ytr=load('train.jsonl'); Xva,Yva=load('validation.jsonl')
def norm(t):
    t=html.unescape(t).lower()
    t=re.sub(r'([.,;:!?()"\'])',r' \1 ',t)
    return re.sub(r'\s+',' ',t).strip()
# LexGLUE unfair_tos label names: Limitation of liability, Unilateral termination, Unilateral change, Content removal, Contract by using, Choice of law, Jurisdiction, Arbitration
MAP={
 'This service forces users into binding arbitration in the case of disputes':7,
 'Terms may be changed any time at their discretion, without notice to the user':2,
 'The service may change its terms at any time, but the user will receive notification of the changes.':2,
 'The service can delete specific content without reason and may do it without prior notice':3,
 'This service can delete your content if you violate the terms':3,
 'The service can delete your account without prior notice and without a reason':1,
 'The service can suspend your account for several reasons':1,
 'User accounts can be terminated after having been in breach of the terms of service repeatedly':1,
 'The court of law governing the terms is in location X':6,
 'This service assumes no liability for any losses or damages resulting from any matter relating to the service':0,
 'Any liability on behalf of the service is only limited to the fees you paid as a user':0,
}
aug=sys.argv[1] if len(sys.argv)>1 and sys.argv[1]!='none' else ''
Xa,Ya=[],[]
if aug:
    want=set(int(x) for x in aug.split(','))
    for l in open(T):
        r=json.loads(l)
        q=r.get('quote_text'); c=r.get('case')
        if not q or c not in MAP or MAP[c] not in want: continue
        # split quote into sentences; keep those of 5..80 words
        for s in re.split(r'(?<=[.!?])\s+',q):
            if 5<=len(s.split())<=80:
                y=np.zeros(8,int); y[MAP[c]]=1; Xa.append(norm(s)); Ya.append(y)
print('aug sentences',len(Xa))
Xall=Xtr+Xa; Yall=np.vstack([Ytr]+([np.array(Ya)] if Ya else []))
w=TfidfVectorizer(ngram_range=(1,3),min_df=2,sublinear_tf=True); c=TfidfVectorizer(analyzer='char_wb',ngram_range=(3,5),min_df=2,sublinear_tf=True)
A=hstack([w.fit_transform(Xall),c.fit_transform(Xall)]).tocsr(); V=hstack([w.transform(Xva),c.transform(Xva)]).tocsr()
P=np.zeros_like(Yva)
for k in range(8):
    m=LinearSVC(C=0.5,class_weight='balanced').fit(A,Yall[:,k]); P[:,k]=(m.decision_function(V)>0).astype(int)
f=[f1_score(Yva[:,k],P[:,k]) for k in range(8)]
print('per-label',[round(x,3) for x in f])
print('strict micro %.3f macro %.3f'%(f1_score(Yva,P,average='micro'),np.mean(f)))
